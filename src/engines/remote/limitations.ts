/**
 * One clear message per server limitation (remote-servers.md): what the server cannot do, and the flag
 * or server that fixes it. Also turns any other non-OK answer into a SemanticFlowError naming the URL.
 */
import { SemanticFlowError } from '../../core/errors';
import { displayUrl, serverMessage, type HttpResponse } from './http';

/** The largest number of log-probs a server allows, read from its refusal (vLLM, OpenAI, Together wording). */
export function maxTopKFromMessage(message: string): number | null {
  if (!/logprob/i.test(message)) return null;
  const m =
    /max(?:imum)? allowed:?\s*(-?\d+)/i.exec(message) ??
    /(?:at most|less than or equal to|<=|≤)\s*(\d+)/i.exec(message) ??
    /between\s+0\s+and\s+(\d+)/i.exec(message);
  return m ? Number(m[1]) : null;
}

/** The notice when top-k is lowered to what the server allows: one wording, so it is shown once. */
export const topKLowered = (url: string, asked: number, max: number): string =>
  `The server at ${displayUrl(url)} allows at most ${max} log-probs per token (vLLM --max-logprobs); top-k lowered from ${asked} to ${max}.`;

export const limitations = {
  tgiNoPrefill: (url: string) =>
    new SemanticFlowError(
      'server-limitation',
      `The TGI server at ${displayUrl(url)} returns no prompt log-probabilities: since TGI 3.0 the launcher needs --enable-prefill-logprobs. Restart it with that flag (or use vLLM).`,
    ),
  generatedOnly: (url: string, server: string) =>
    new SemanticFlowError(
      'server-limitation',
      `The server at ${displayUrl(url)} (${server}) returns log-probabilities for generated tokens only, not for the prompt, so it cannot score a text. ` +
        'Use vLLM (vllm serve MODEL --max-logprobs 20), SGLang, TGI with --enable-prefill-logprobs, or llama-cpp-python with logits_all=True.',
    ),
  echoRefused: (url: string, model: string, message: string) =>
    new SemanticFlowError(
      'server-limitation',
      `The server at ${displayUrl(url)} does not score prompt tokens for model ${model}: "${message.slice(0, 200)}".`,
    ),
  topKTooLarge: (url: string, asked: number, max: number) =>
    new SemanticFlowError(
      'server-limitation',
      `Top-k ${asked} is more than the server at ${displayUrl(url)} allows (${max} log-probs per token, vLLM --max-logprobs): lower --top-k to ${max} or restart vLLM with --max-logprobs ${asked}.`,
    ),
  noFlavor: (url: string, tried: string[]) =>
    new SemanticFlowError(
      'server-limitation',
      `The server at ${displayUrl(url)} answered none of the scoring requests (${tried.join('; ')}). Semantic Flow needs prompt-token log-probabilities: vLLM, SGLang, TGI (--enable-prefill-logprobs) or an OpenAI-compatible server with echo + logprobs.`,
    ),
  idPrompts: (url: string) =>
    new SemanticFlowError(
      'server-limitation',
      `The server at ${displayUrl(url)} takes prompts as text only, not as token ids.`,
    ),
};

/** A non-OK answer → the one error that explains it. */
export function errorFromResponse(res: HttpResponse, scrub: (s: string) => string = (s) => s): SemanticFlowError {
  const url = displayUrl(res.url);
  const msg = scrub(serverMessage(res.text)).replace(/\s+/g, ' ').slice(0, 300);
  const ctx =
    /maximum context length is (\d+)/i.exec(msg) ??
    /(?:max_model_len|max_input_tokens|context length)\D{0,40}(\d+)/i.exec(msg);
  if (ctx && res.status < 500) {
    return new SemanticFlowError(
      'too-large',
      `The text has more tokens than the context window of the model at ${url} (${ctx[1]} tokens); split it, or analyze it locally (sliding window).`,
    );
  }
  const max = maxTopKFromMessage(msg);
  if (max !== null && res.status < 500)
    return new SemanticFlowError(
      'server-limitation',
      `The server at ${url} allows at most ${max} log-probs per token: ${msg}`,
    );
  if (res.status === 401 || res.status === 403) {
    return new SemanticFlowError(
      'server-error',
      `The server at ${url} refused the request (HTTP ${res.status}): check the API key${msg ? ` (${msg})` : ''}.`,
    );
  }
  if (res.status === 404)
    return new SemanticFlowError(
      'server-error',
      `The server at ${url} has no such route (HTTP 404)${msg ? `: ${msg}` : ''}.`,
    );
  return new SemanticFlowError(
    'server-error',
    `The server at ${url} answered HTTP ${res.status}${msg ? `: ${msg}` : ''}.`,
  );
}
