/**
 * `serve`'s decoding, by vLLM's rules: greedy at temperature 0, else core's seeded sampler (temperature,
 * top_p, top_k; the same stream as generate()'s first sample, so a seed reproduces); each token's
 * log-probability and alternatives come from the model's own distribution (vLLM's raw_logprobs). Text is
 * decoded from token bytes as they come, so a character split across tokens appears whole; stop strings
 * are looked for in it and, while one may still be forming, that much text is held back from the stream.
 */
import { prefill } from '../../core/prefill';
import { argmax, mulberry32, sampleIdFiltered, sampleSeed } from '../../core/sampling';
import { logitsRow, type KvCache } from '../../core/scoringModel';
import { positionOf, type LocalEngine, type ScoredPosition } from './serverScoring';

export type FinishReason = 'stop' | 'length';

export interface DecodeOptions {
  /** Most tokens to generate; null: until the context window is full. */
  maxTokens: number | null;
  /** 0: greedy. */
  temperature: number;
  topP: number;
  /** 0: all. */
  topK: number;
  seed: number;
  stop: string[];
  stopTokenIds: number[];
  ignoreEos: boolean;
  /** Alternatives per generated token (0: the token only). */
  logprobs: number;
  chunkSize?: number;
}

/** One generated token, as the stream sends it. */
export interface CompletionToken extends ScoredPosition {
  /** The text this token releases (held-back text included when it is the last). */
  delta: string;
  /** Set on the last token. */
  finishReason?: FinishReason;
  /** The stop string or stop token id that ended the text; null for EOS or length. */
  stopReason?: string | number | null;
}

export interface DecodeOutcome {
  tokens: CompletionToken[];
  text: string;
  finishReason: FinishReason;
  stopReason: string | number | null;
}

/** vLLM's threshold below which a temperature means greedy. */
const GREEDY_BELOW = 1e-5;

/** Where the text may be released up to: not into a possible stop string, never between a surrogate pair. */
function releasable(text: string, holdBack: number): number {
  let end = Math.max(0, text.length - holdBack);
  const c = text.charCodeAt(end - 1);
  if (end > 0 && end < text.length && c >= 0xd800 && c <= 0xdbff) end--;
  return end;
}

/** The first stop string in `text` that ends after `from`, and where it starts. */
function findStop(text: string, stops: readonly string[], from: number): { at: number; stop: string } | null {
  let best: { at: number; stop: string } | null = null;
  for (const s of stops) {
    const at = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (at >= 0 && (!best || at < best.at)) best = { at, stop: s };
  }
  return best;
}

/** Generates after the prompt `ids`; `onToken` sees each generated token as soon as it is chosen. */
export async function decodeCompletion(
  model: LocalEngine,
  ids: number[],
  o: DecodeOptions,
  onToken: (t: CompletionToken) => void,
  signal?: AbortSignal,
): Promise<DecodeOutcome> {
  const W = model.info.contextWindow ?? Infinity;
  const limit = Math.min(o.maxTokens ?? Infinity, W - ids.length);
  const pre = await prefill(model, ids, o.chunkSize ?? 128, signal);
  let cache: KvCache | null = pre.cache;
  let row = pre.lastRow;
  const rng = mulberry32(sampleSeed(o.seed, 0));
  const decoder = new TextDecoder('utf-8');
  const holdBack = o.stop.length > 0 ? Math.max(...o.stop.map((s) => s.length)) - 1 : 0;
  const tokens: CompletionToken[] = [];
  let text = '',
    released = 0;
  let finishReason: FinishReason = 'length',
    stopReason: string | number | null = null;
  try {
    while (tokens.length < limit) {
      const y =
        o.temperature < GREEDY_BELOW
          ? argmax(row)
          : sampleIdFiltered(row, o.temperature, rng(), { topP: o.topP, topK: o.topK });
      const before = text.length;
      text += decoder.decode(model.decodedBytes(y), { stream: true });
      let finish: FinishReason | null = null;
      if (y === model.info.eosTokenId && !o.ignoreEos) finish = 'stop';
      else if (o.stopTokenIds.includes(y)) [finish, stopReason] = ['stop', y];
      else {
        const hit = findStop(text, o.stop, before);
        if (hit) [finish, stopReason, text] = ['stop', hit.stop, text.slice(0, hit.at)];
        else if (tokens.length + 1 >= limit) finish = 'length';
      }
      if (finish && stopReason === null) text += decoder.decode();
      const end = finish ? text.length : releasable(text, holdBack);
      const t: CompletionToken = {
        ...positionOf(model, y, before, row, o.logprobs),
        delta: text.slice(released, Math.max(released, end)),
      };
      released = Math.max(released, end);
      if (finish) Object.assign(t, { finishReason: finish, stopReason });
      tokens.push(t);
      onToken(t);
      if (finish) {
        finishReason = finish;
        break;
      }
      const out = await model.forward({ inputIds: [[y]], past: cache, keepCache: true }, signal);
      cache?.dispose();
      cache = out.cache;
      row = logitsRow(out, 0, 0);
    }
  } finally {
    cache?.dispose();
  }
  return { tokens, text, finishReason, stopReason };
}
