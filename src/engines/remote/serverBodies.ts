/**
 * vLLM-shaped response bodies for `serve`: `/v1/completions` with `prompt_logprobs` (dicts keyed by token
 * id, the prompt token first, then the top-k, each `{logprob, rank, decoded_token}`) and the `echo` +
 * `logprobs` form (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`), plus `/v1/models`.
 * Written as text because JSON.stringify would reorder integer keys.
 */
import type { ScoredPosition } from './serverScoring';

export interface CompletionBodyInput {
  id: string;
  model: string;
  created: number;
  /** The prompt as text (echo) — the decoded ids for token-id prompts. */
  promptText: string;
  positions: ScoredPosition[];
  /** Display text of an id (U+FFFD for partial UTF-8), as vLLM's decoded_token. */
  tokenText: (id: number) => string;
  promptLogprobs: number | null;
  echo: boolean;
  /** `logprobs` of the request (echo form); null when not asked. */
  logprobs: number | null;
  tokensAsIds: boolean;
}

const finite = (x: number): number => (Number.isFinite(x) ? x : -9999);

/** Code-point index of every UTF-16 offset of `text` (0…length; a low surrogate shares its pair's index). */
function codePointIndex(text: string): Uint32Array {
  const at = new Uint32Array(text.length + 1);
  let cp = 0;
  for (let u = 0; u < text.length; u++) {
    at[u] = cp;
    const c = text.charCodeAt(u);
    if (!(c >= 0xd800 && c <= 0xdbff && u + 1 < text.length)) cp++;
  }
  at[text.length] = cp;
  return at;
}

function promptLogprobsText(c: CompletionBodyInput, k: number): string {
  const items = c.positions.map((p) => {
    if (p.logprob === null) return 'null';
    const entries: string[] = [`${JSON.stringify(String(p.id))}:${JSON.stringify({ logprob: finite(p.logprob), rank: p.rank, decoded_token: c.tokenText(p.id) })}`];
    p.top.slice(0, k).forEach((a, i) => {
      if (a.id === p.id) return;
      entries.push(`${JSON.stringify(String(a.id))}:${JSON.stringify({ logprob: finite(a.logprob), rank: i + 1, decoded_token: c.tokenText(a.id) })}`);
    });
    return `{${entries.join(',')}}`;
  });
  return `[${items.join(',')}]`;
}

function echoLogprobs(c: CompletionBodyInput, k: number) {
  const piece = (id: number) => (c.tokensAsIds ? `token_id:${id}` : c.tokenText(id));
  const tokens = c.positions.map((p) => piece(p.id));
  // text_offset counts characters (code points, as Python's len) of the returned text.
  const codePoints = codePointIndex(c.promptText);
  const offsets = c.positions.map((p) => codePoints[p.start]);
  return {
    tokens,
    token_logprobs: c.positions.map((p) => (p.logprob === null ? null : finite(p.logprob))),
    top_logprobs: c.positions.map((p) => {
      if (p.logprob === null) return null;
      const d: Record<string, number> = {};
      for (const a of p.top.slice(0, k)) if (!(piece(a.id) in d)) d[piece(a.id)] = finite(a.logprob);
      if (!(piece(p.id) in d)) d[piece(p.id)] = finite(p.logprob);
      return d;
    }),
    text_offset: offsets,
  };
}

export function completionBody(c: CompletionBodyInput): string {
  const n = c.positions.length;
  const choice: Record<string, unknown> = {
    index: 0,
    text: c.echo ? c.promptText : '',
    logprobs: c.echo && c.logprobs !== null ? echoLogprobs(c, c.logprobs) : null,
    finish_reason: 'length',
    stop_reason: null,
    prompt_token_ids: c.positions.map((p) => p.id),
    prompt_logprobs: c.promptLogprobs !== null ? '__PROMPT_LOGPROBS__' : null,
  };
  const body = {
    id: c.id,
    object: 'text_completion',
    created: c.created,
    model: c.model,
    choices: [choice],
    usage: { prompt_tokens: n, total_tokens: n, completion_tokens: 0, prompt_tokens_details: null },
  };
  const text = JSON.stringify(body);
  return c.promptLogprobs !== null ? text.replace('"__PROMPT_LOGPROBS__"', promptLogprobsText(c, c.promptLogprobs)) : text;
}

export interface ModelCardInput {
  model: string;
  created: number;
  maxModelLen: number | null;
  vocabSize: number;
  maxLogprobs: number;
  bosTokenId: number | null;
  eosTokenId: number | null;
}

export function modelsBody(m: ModelCardInput): string {
  return JSON.stringify({
    object: 'list',
    data: [{
      id: m.model, object: 'model', created: m.created, owned_by: 'semantic-flow', root: m.model, parent: null,
      max_model_len: m.maxModelLen, vocab_size: m.vocabSize, max_logprobs: m.maxLogprobs, bos_token_id: m.bosTokenId, eos_token_id: m.eosTokenId,
    }],
  });
}

/** vLLM's error type for an HTTP status: the class name its exception handlers use, else the status phrase. */
const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError', 401: 'AuthenticationError', 404: 'NotFoundError', 413: 'RequestEntityTooLargeError', 500: 'InternalServerError', 501: 'NotImplementedError',
};

/** vLLM's ErrorResponse (the OpenAI shape): `{"error": {message, type, param, code}}`, code = the HTTP status. */
export function errorBody(status: number, message: string, param: string | null = null): string {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequestError');
  return JSON.stringify({ error: { message, type, param, code: status } });
}
