/**
 * vLLM-shaped response bodies for `serve`: `/v1/completions` with `prompt_logprobs` (dicts keyed by token
 * id, the prompt token first, then the top-k, each `{logprob, rank, decoded_token}`), `logprobs` of the
 * echoed prompt and the generated tokens (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`),
 * its server-sent event chunks, `/v1/models`, and errors.
 * Written as text because JSON.stringify would reorder integer keys.
 */
import type { CompletionOutcome } from './serveEngine';
import type { CompletionToken } from './serverGeneration';
import type { CompletionRequest } from './serverRequest';
import type { ScoredPosition } from './serverScoring';

/** What a completion body is made of: the request's answer options and the engine's outcome. */
export interface CompletionBodyInput {
  id: string;
  model: string;
  created: number;
  request: Pick<CompletionRequest, 'echo' | 'logprobs' | 'promptLogprobs' | 'tokensAsIds'>;
  outcome: CompletionOutcome;
}

/** A token with its log-probs, as `choices[].logprobs` lists it (prompt positions and generated tokens alike). */
type Scored = Pick<ScoredPosition, 'id' | 'text' | 'logprob' | 'top'>;

const finite = (x: number): number => (Number.isFinite(x) ? x : -9999);

/** Code-point index of every UTF-16 offset of `text` (0…length; a low surrogate shares its pair's index). */
export function codePointIndex(text: string): Uint32Array {
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

function promptLogprobsText(positions: ScoredPosition[], k: number): string {
  const items = positions.map((p) => {
    if (p.logprob === null) return 'null';
    const entries: string[] = [
      `${JSON.stringify(String(p.id))}:${JSON.stringify({ logprob: finite(p.logprob), rank: p.rank, decoded_token: p.text })}`,
    ];
    p.top.slice(0, k).forEach((a, i) => {
      if (a.id === p.id) return;
      entries.push(
        `${JSON.stringify(String(a.id))}:${JSON.stringify({ logprob: finite(a.logprob), rank: i + 1, decoded_token: a.text })}`,
      );
    });
    return `{${entries.join(',')}}`;
  });
  return `[${items.join(',')}]`;
}

/** `choices[].logprobs`: per token its text, log-prob, the top `k` (and itself) by text, and its character offset. */
export function completionLogprobs(scored: Scored[], offsets: number[], k: number, tokensAsIds: boolean) {
  const piece = (id: number, text: string) => (tokensAsIds ? `token_id:${id}` : text);
  return {
    tokens: scored.map((p) => piece(p.id, p.text)),
    token_logprobs: scored.map((p) => (p.logprob === null ? null : finite(p.logprob))),
    top_logprobs: scored.map((p) => {
      if (p.logprob === null) return null;
      const d: Record<string, number> = {};
      for (const a of p.top.slice(0, k)) if (!(piece(a.id, a.text) in d)) d[piece(a.id, a.text)] = finite(a.logprob);
      if (!(piece(p.id, p.text) in d)) d[piece(p.id, p.text)] = finite(p.logprob);
      return d;
    }),
    text_offset: offsets,
  };
}

/** Where a streamed chunk starts: UTF-16 offset in the generated text, and characters already sent. */
export interface ChunkStart {
  generated: number;
  sentChars: number;
}

/**
 * The choice's text and logprobs: the echoed prompt (when asked) then the generated text from `from`.
 * text_offset counts characters (code points, as Python's len) of the whole text, streamed chunks
 * before this one included.
 */
export function choiceContent(
  req: CompletionBodyInput['request'],
  promptText: string,
  prompt: ScoredPosition[],
  tokens: CompletionToken[],
  generated: string,
  from: ChunkStart = { generated: 0, sentChars: 0 },
) {
  const lead = req.echo ? promptText : '';
  const text = lead + generated;
  if (req.logprobs === null) return { text, logprobs: null };
  const at = codePointIndex(text);
  const inText = (t: CompletionToken) =>
    lead.length + Math.max(0, Math.min(t.start - from.generated, generated.length));
  const scored: Scored[] = [...(req.echo ? prompt : []), ...tokens];
  const offsets = [...(req.echo ? prompt.map((p) => at[p.start]) : []), ...tokens.map((t) => at[inText(t)])].map(
    (o) => from.sentChars + o,
  );
  return { text, logprobs: completionLogprobs(scored, offsets, req.logprobs, req.tokensAsIds) };
}

export function completionBody(c: CompletionBodyInput): string {
  const o = c.outcome;
  const n = o.promptIds.length,
    generated = o.tokens.length;
  const choice: Record<string, unknown> = {
    index: 0,
    ...choiceContent(c.request, o.promptText, o.positions, o.tokens, o.tokens.map((t) => t.delta).join('')),
    finish_reason: o.finishReason,
    stop_reason: o.stopReason,
    prompt_token_ids: o.promptIds,
    prompt_logprobs: c.request.promptLogprobs !== null ? '__PROMPT_LOGPROBS__' : null,
  };
  const body = {
    id: c.id,
    object: 'text_completion',
    created: c.created,
    model: c.model,
    choices: [choice],
    usage: { prompt_tokens: n, total_tokens: n + generated, completion_tokens: generated, prompt_tokens_details: null },
  };
  const text = JSON.stringify(body);
  return c.request.promptLogprobs !== null
    ? text.replace('"__PROMPT_LOGPROBS__"', promptLogprobsText(o.positions, c.request.promptLogprobs))
    : text;
}

/** One server-sent event of a streamed completion (vLLM's CompletionStreamResponse). */
export function streamChunk(
  head: { id: string; model: string; created: number },
  choice: { text: string; logprobs: unknown; finishReason?: string | null; stopReason?: string | number | null },
): string {
  return `data: ${JSON.stringify({
    id: head.id,
    object: 'text_completion',
    created: head.created,
    model: head.model,
    choices: [
      {
        index: 0,
        text: choice.text,
        logprobs: choice.logprobs,
        finish_reason: choice.finishReason ?? null,
        stop_reason: choice.stopReason ?? null,
      },
    ],
  })}\n\n`;
}

/** The last chunk when stream_options.include_usage: no choices, the usage of the whole completion. */
export function usageChunk(
  head: { id: string; model: string; created: number },
  promptTokens: number,
  completionTokens: number,
): string {
  return `data: ${JSON.stringify({
    id: head.id,
    object: 'text_completion',
    created: head.created,
    model: head.model,
    choices: [],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  })}\n\n`;
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
    data: [
      {
        id: m.model,
        object: 'model',
        created: m.created,
        owned_by: 'semantic-flow',
        root: m.model,
        parent: null,
        max_model_len: m.maxModelLen,
        vocab_size: m.vocabSize,
        max_logprobs: m.maxLogprobs,
        bos_token_id: m.bosTokenId,
        eos_token_id: m.eosTokenId,
      },
    ],
  });
}

/** vLLM's error type for an HTTP status: the class name its exception handlers use, else the status phrase. */
const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  404: 'NotFoundError',
  413: 'RequestEntityTooLargeError',
  500: 'InternalServerError',
  501: 'NotImplementedError',
};

/** vLLM's ErrorResponse (the OpenAI shape): `{"error": {message, type, param, code}}`, code = the HTTP status. */
export function errorBody(status: number, message: string, param: string | null = null): string {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequestError');
  return JSON.stringify({ error: { message, type, param, code: status } });
}
