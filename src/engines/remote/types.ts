/**
 * Shapes shared by the remote engine: the request forms a server can answer (flavors), one scored
 * prompt position as parsed from any server (RemoteRow), and what the connect-time probe found.
 * Log-probabilities here are natural logs, as servers send them; conversion to bits happens once,
 * when rows become token records.
 */

/**
 * - `vllm`: `/v1/completions` with `prompt_logprobs` (rank, top-k, decoded_token).
 * - `echo`: `/v1/completions` with `echo` + `logprobs` (vLLM, llama-cpp-python, Together, OpenAI legacy).
 * - `sglang`: native `/generate` with `return_logprob`, `logprob_start_len`, `top_logprobs_num`.
 * - `tgi`: `/generate` with `decoder_input_details` (surprisal only: no top-k, no rank for prefill).
 */
export type RemoteFlavor = 'vllm' | 'echo' | 'sglang' | 'tgi';
export const REMOTE_FLAVORS: readonly RemoteFlavor[] = ['vllm', 'echo', 'sglang', 'tgi'];

export interface RemoteTopEntry {
  /** Vocabulary id, or null when the server names alternatives by text only (echo form). */
  id: number | null;
  piece: string;
  /** ln p */
  logprob: number;
}

/** One prompt position as a server reports it. */
export interface RemoteRow {
  /** Token id, or null when the server does not say (echo form, vLLM's first position). */
  id: number | null;
  /** The token's text as the server decoded it (partial UTF-8 shows as U+FFFD), or null when unknown. */
  piece: string | null;
  /** ln p(token | prefix); null when nothing conditions it (the first position). */
  logprob: number | null;
  /** 1 + #{v : p(v) > p(token)} when the server gives it. */
  rank: number | null;
  /** The most probable alternatives, most probable first; null when the server gives none. */
  top: RemoteTopEntry[] | null;
  /**
   * The top list is complete (the n most probable tokens), so no unlisted token is more probable than
   * its last entry. False when alternatives keyed by text may have collapsed (echo form).
   */
  topComplete?: boolean;
  /** Code-point offset of the token in the prompt (echo form's text_offset). */
  textOffset?: number;
}

export interface Capabilities {
  flavor: RemoteFlavor;
  /** Served model name to put in requests. */
  model: string;
  /** Most alternatives per position the server allows, when known (vLLM --max-logprobs). */
  maxTopK: number | null;
  /** The server reports the rank of every prompt token. */
  rank: boolean;
  /** The server reports top-k alternatives for prompt positions. */
  topK: boolean;
  /** The server accepts a prompt given as token ids. */
  idPrompts: boolean;
  vocabSize: number | null;
  contextWindow: number | null;
  bosTokenId: number | null;
  eosTokenId: number | null;
  /** `owned_by` of the model card, when the server has /v1/models. */
  ownedBy: string | null;
}
