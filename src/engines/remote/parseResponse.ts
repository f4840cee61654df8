/**
 * Pure parsers: one server's response body → one RemoteRow per prompt position (remote-servers.md has
 * the field semantics). They take the body as text, so that vLLM's `prompt_logprobs` dicts keep their
 * key order (JSON.parse would sort integer keys, and the first key is the prompt token itself), and
 * they tolerate Python's non-standard `-Infinity`/`NaN` numbers.
 */
import { isJsonObject } from '../../core/jsonValue';
import { SemanticFlowError } from '../../core/errors';
import type { RemoteFlavor, RemoteRow, RemoteTopEntry } from './types';

type Json = Record<string, unknown>;

export interface ParseOptions {
  /** The top-k the request asked for: an echo dict with k distinct alternatives is a complete top-k. */
  topK?: number;
}

/** Integer keys become "#123" so JS keeps their order; bare ±Infinity/NaN become strings. */
export function parseJsonBody(body: string | unknown, keepIntegerKeyOrder = false): unknown {
  if (typeof body !== 'string') return body;
  let text = body.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"');
  if (keepIntegerKeyOrder) text = text.replace(/([{,]\s*)"(\d+)"(\s*:)/g, '$1"#$2"$3');
  try {
    return JSON.parse(text);
  } catch {
    throw new SemanticFlowError(
      'protocol-mismatch',
      `The server's answer is not JSON (it starts with ${JSON.stringify(body.slice(0, 80))}).`,
    );
  }
}

const keyId = (k: string): number => Number(k.startsWith('#') ? k.slice(1) : k);

/** A log-probability as sent: a number, or a string for ±Infinity/NaN; null stays null. */
function logprobOf(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isNaN(n) ? null : n;
}

function mismatch(what: string): SemanticFlowError {
  return new SemanticFlowError(
    'protocol-mismatch',
    `The server's answer has no ${what}; it does not look like the expected server.`,
  );
}

/**
 * Whether alternative `e` is the scored token itself: by id when both are known, else by text and
 * log-prob (different byte tokens all decode to U+FFFD, so the text alone is ambiguous).
 */
export function isSelf(row: Pick<RemoteRow, 'id' | 'piece' | 'logprob'>, e: RemoteTopEntry): boolean {
  if (row.id !== null && e.id !== null) return e.id === row.id;
  return (
    e.piece === row.piece &&
    row.logprob !== null &&
    Math.abs(e.logprob - row.logprob) <= 1e-9 * Math.max(1, Math.abs(row.logprob))
  );
}

/** 1 + #(alternatives strictly more probable), when the token is among its alternatives (exact then). */
export function rankFromTop(row: Pick<RemoteRow, 'id' | 'piece' | 'logprob' | 'top'>): number | null {
  if (row.logprob === null || !row.top) return null;
  const inTop = row.top.some((e) => isSelf(row, e));
  if (!inTop) return null;
  return 1 + row.top.filter((e) => e.logprob > (row.logprob as number)).length;
}

const byLogprob = (a: RemoteTopEntry, b: RemoteTopEntry) => b.logprob - a.logprob || (a.id ?? 0) - (b.id ?? 0);

/**
 * vLLM `/v1/completions` (or chat) with `prompt_logprobs`: `list[dict[id, {logprob, rank, decoded_token}] | None]`.
 * Each dict holds the prompt token (first) plus the top-k; `prompt_token_ids`, when present, names the token.
 */
export function parseVllmPromptLogprobs(body: string | unknown): RemoteRow[] {
  const j = parseJsonBody(body, true);
  if (!isJsonObject(j)) throw mismatch('JSON object');
  const choice = Array.isArray(j.choices) && isJsonObject(j.choices[0]) ? (j.choices[0] as Json) : {};
  const list = (choice.prompt_logprobs ?? j.prompt_logprobs) as unknown;
  if (!Array.isArray(list)) throw mismatch('`prompt_logprobs` list');
  const idsRaw = (choice.prompt_token_ids ?? j.prompt_token_ids) as unknown;
  const ids = Array.isArray(idsRaw) && idsRaw.length === list.length ? (idsRaw as number[]) : null;
  return list.map((entry, i): RemoteRow => {
    if (!isJsonObject(entry)) return { id: ids?.[i] ?? null, piece: null, logprob: null, rank: null, top: null };
    const keys = Object.keys(entry);
    if (keys.length === 0) return { id: ids?.[i] ?? null, piece: null, logprob: null, rank: null, top: null };
    const actualKey = ids ? (keys.find((k) => keyId(k) === ids[i]) ?? keys[0]) : keys[0];
    const get = (k: string) => entry[k] as { logprob?: unknown; rank?: unknown; decoded_token?: unknown };
    const a = get(actualKey);
    const id = keyId(actualKey);
    const logprob = logprobOf(a.logprob);
    const rank = typeof a.rank === 'number' ? a.rank : null;
    const others: RemoteTopEntry[] = keys
      .filter((k) => k !== actualKey)
      .map((k) => ({
        id: keyId(k),
        piece: String(get(k).decoded_token ?? ''),
        logprob: logprobOf(get(k).logprob) ?? -Infinity,
      }));
    const self: RemoteTopEntry = { id, piece: String(a.decoded_token ?? ''), logprob: logprob ?? -Infinity };
    // The prompt token belongs to the list when it is among the n most probable of the n entries.
    const selfInTop =
      rank !== null
        ? rank <= keys.length
        : others.length === 0 || self.logprob >= Math.min(...others.map((o) => o.logprob));
    const top = (selfInTop ? [...others, self] : others).sort(byLogprob);
    return {
      id,
      piece: typeof a.decoded_token === 'string' ? a.decoded_token : null,
      logprob,
      rank,
      top,
      topComplete: true,
    };
  });
}

/** `token_id:123` pieces (vLLM's return_tokens_as_token_ids) name the id. */
function idOfPiece(piece: string): number | null {
  const m = /^token_id:(\d+)$/.exec(piece);
  return m ? Number(m[1]) : null;
}

/**
 * Completions `echo` + `logprobs`: `choices[0].logprobs.{tokens, token_logprobs, top_logprobs, text_offset}`
 * over the prompt and then the generated tokens; `generated` of them (usage.completion_tokens) are dropped.
 */
export function parseEchoLogprobs(body: string | unknown, o: ParseOptions = {}): RemoteRow[] {
  const j = parseJsonBody(body);
  if (!isJsonObject(j)) throw mismatch('JSON object');
  const choice = Array.isArray(j.choices) && isJsonObject(j.choices[0]) ? (j.choices[0] as Json) : null;
  const lp = choice && isJsonObject(choice.logprobs) ? (choice.logprobs as Json) : null;
  if (!lp || !Array.isArray(lp.tokens) || !Array.isArray(lp.token_logprobs))
    throw mismatch('`choices[0].logprobs.tokens` (echo form)');
  const tokens = lp.tokens as string[];
  const usage = isJsonObject(j.usage) ? j.usage : {};
  const generated = typeof usage.completion_tokens === 'number' ? Math.min(usage.completion_tokens, tokens.length) : 0;
  const n = tokens.length - generated;
  const tops = Array.isArray(lp.top_logprobs) ? (lp.top_logprobs as unknown[]) : [];
  const offsets = Array.isArray(lp.text_offset) ? (lp.text_offset as number[]) : null;
  const rows: RemoteRow[] = [];
  for (let i = 0; i < n; i++) {
    const piece = String(tokens[i]);
    const t = tops[i];
    let top = isJsonObject(t)
      ? Object.entries(t)
          .map(([k, v]) => ({ id: idOfPiece(k), piece: k, logprob: logprobOf(v) ?? -Infinity }))
          .sort(byLogprob)
      : null;
    // vLLM adds the prompt token to the top-k dict. Keyed by text, colliding alternatives collapse, so
    // the entry count cannot tell that extra from a top-k member: the prompt token counts as one only
    // when a listed alternative is less probable. Dropping it when unsure loses a rank, never validity.
    const logprob = logprobOf((lp.token_logprobs as unknown[])[i]);
    if (top && top.length >= 2) {
      const self = top.findIndex((e) => isSelf({ id: idOfPiece(piece), piece, logprob }, e));
      if (self >= 0 && self === top.length - 1) top = top.slice(0, self);
    }
    const row: RemoteRow = {
      id: idOfPiece(piece),
      piece,
      logprob,
      rank: null,
      top,
      topComplete: top !== null && o.topK !== undefined && top.length >= o.topK,
    };
    row.rank = rankFromTop(row);
    if (offsets && typeof offsets[i] === 'number') row.textOffset = offsets[i];
    rows.push(row);
  }
  return rows;
}

/** SGLang entries are `[logprob, token_id, text_or_null]`. */
function sglangEntry(e: unknown): RemoteTopEntry & { hasText: boolean } {
  const a = Array.isArray(e) ? e : [];
  return {
    logprob: logprobOf(a[0]) ?? -Infinity,
    id: typeof a[1] === 'number' ? a[1] : null,
    piece: typeof a[2] === 'string' ? a[2] : '',
    hasText: typeof a[2] === 'string',
  };
}

/** SGLang native `/generate` with `return_logprob`, `logprob_start_len: 0`: `meta_info.input_token_logprobs` / `input_top_logprobs`. */
export function parseSglangGenerate(body: string | unknown): RemoteRow[] {
  let j = parseJsonBody(body);
  if (Array.isArray(j)) j = j[0];
  const meta = isJsonObject(j) && isJsonObject(j.meta_info) ? (j.meta_info as Json) : null;
  if (!meta || !Array.isArray(meta.input_token_logprobs))
    throw mismatch('`meta_info.input_token_logprobs` (SGLang return_logprob)');
  const tops = Array.isArray(meta.input_top_logprobs) ? (meta.input_top_logprobs as unknown[]) : [];
  return (meta.input_token_logprobs as unknown[]).map((e, i): RemoteRow => {
    const a = Array.isArray(e) ? e : [];
    const s = sglangEntry(e);
    const t = tops[i];
    const top =
      Array.isArray(t) && t.length > 0
        ? t
            .map((x) => {
              const y = sglangEntry(x);
              return { id: y.id, piece: y.piece, logprob: y.logprob };
            })
            .sort(byLogprob)
        : null;
    const row: RemoteRow = {
      id: s.id,
      piece: s.hasText ? s.piece : null,
      logprob: logprobOf(a[0]),
      rank: null,
      top,
      topComplete: true,
    };
    row.rank = rankFromTop(row);
    return row;
  });
}

/** TGI `/generate` with `decoder_input_details`: `details.prefill: [{id, text, logprob}]` (first logprob null). */
export function parseTgiGenerate(body: string | unknown): RemoteRow[] {
  let j = parseJsonBody(body);
  if (Array.isArray(j)) j = j[0];
  const details = isJsonObject(j) && isJsonObject(j.details) ? (j.details as Json) : null;
  if (!details) throw mismatch('`details` (TGI details: true)');
  const prefill = Array.isArray(details.prefill) ? (details.prefill as Json[]) : [];
  return prefill.map((p) => ({
    id: typeof p.id === 'number' ? p.id : null,
    piece: typeof p.text === 'string' ? p.text : null,
    logprob: logprobOf(p.logprob),
    rank: null,
    top: null,
  }));
}

export function parseResponse(flavor: RemoteFlavor, body: string | unknown, o: ParseOptions = {}): RemoteRow[] {
  switch (flavor) {
    case 'vllm':
      return parseVllmPromptLogprobs(body);
    case 'echo':
      return parseEchoLogprobs(body, o);
    case 'sglang':
      return parseSglangGenerate(body);
    case 'tgi':
      return parseTgiGenerate(body);
  }
}
