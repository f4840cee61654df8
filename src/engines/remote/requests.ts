/** The scoring request of each flavor (remote-servers.md, "exact fields"): the prompt's tokens teacher-forced, nothing sampled that matters. */
import type { RemoteFlavor } from './types';

export interface ScoringRequestInput {
  model: string;
  /** Text, or token ids where the flavor takes them. */
  prompt: string | number[];
  /** Alternatives per position (0: the prompt token only). */
  topK: number;
  /** Let the server prepend its BOS (vLLM `add_special_tokens`; SGLang and TGI always follow their tokenizer). */
  bos: boolean;
}

export interface ScoringRequest {
  path: string;
  body: Record<string, unknown>;
}

export function scoringRequest(flavor: RemoteFlavor, r: ScoringRequestInput): ScoringRequest {
  switch (flavor) {
    case 'vllm':
      return {
        path: '/v1/completions',
        body: {
          model: r.model,
          prompt: r.prompt,
          max_tokens: 1,
          temperature: 0,
          prompt_logprobs: r.topK,
          ...(typeof r.prompt === 'string' ? { add_special_tokens: r.bos } : {}),
          return_token_ids: true,
        },
      };
    case 'echo':
      return {
        path: '/v1/completions',
        body: { model: r.model, prompt: r.prompt, max_tokens: 0, temperature: 0, echo: true, logprobs: r.topK },
      };
    case 'sglang':
      return {
        path: '/generate',
        body: {
          ...(typeof r.prompt === 'string' ? { text: r.prompt } : { input_ids: r.prompt }),
          sampling_params: { max_new_tokens: 0, temperature: 0 },
          return_logprob: true,
          logprob_start_len: 0,
          top_logprobs_num: r.topK,
          return_text_in_logprobs: true,
        },
      };
    case 'tgi':
      return {
        path: '/generate',
        body: { inputs: r.prompt, parameters: { max_new_tokens: 1, details: true, decoder_input_details: true } },
      };
  }
}

/** Flavors whose requests take a prompt as token ids. */
export const takesIdPrompts = (flavor: RemoteFlavor): boolean => flavor !== 'tgi';
