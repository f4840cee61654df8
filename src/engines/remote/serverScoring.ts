/**
 * What `serve` computes for one prompt on the local engine: per prompt position the token, its natural
 * log-probability, rank and top-k, as vLLM's prompt_logprobs would carry them. Text prompts go through
 * the engine's own analyze (the same numbers as local analysis); token-id prompts through chunked
 * teacher-forced passes with the KV cache.
 */
import { SemanticFlowError } from '../../core/errors';
import { logitsRow, type KvCache, type ScoringModel } from '../../core/scoringModel';
import { positionMeasures } from '../../core/tokenMeasures';
import { LN2 } from '../../core/units';
import type { LanguageModel } from '../languageModel';

export interface ScoredAlternative {
  id: number;
  /** ln p */
  logprob: number;
}

export interface ScoredPosition {
  id: number;
  /** UTF-16 offset of the token in the prompt text as echoed (a BOS the server adds sits at 0, empty). */
  start: number;
  /** ln p(id | prefix); null for the first position. */
  logprob: number | null;
  rank: number | null;
  top: ScoredAlternative[];
}

export type LocalEngine = LanguageModel & ScoringModel;

export interface ScorePromptOptions {
  topK: number;
  /** Prepend the model's BOS to a text prompt (vLLM add_special_tokens). */
  bos: boolean;
  signal?: AbortSignal;
  chunkSize?: number;
}

const natsOfBits = (bits: number): number => -bits * LN2;

/** Token ids of a text prompt as the server tokenizes it (BOS first when asked and the model has one). */
export function promptIds(model: ScoringModel, text: string, bos: boolean): number[] {
  const ids = model.tokenize(text).ids;
  return bos && model.info.bosTokenId !== null ? [model.info.bosTokenId, ...ids] : ids;
}

export function tooLong(model: ScoringModel, n: number): SemanticFlowError | null {
  const w = model.info.contextWindow;
  return w !== null && n > w
    ? new SemanticFlowError('too-large', `This model's maximum context length is ${w} tokens. However, your prompt contains ${n} input tokens. Please reduce the length of the input prompt.`)
    : null;
}

export async function scorePrompt(model: LocalEngine, prompt: string | number[], o: ScorePromptOptions): Promise<ScoredPosition[]> {
  const ids = typeof prompt === 'string' ? promptIds(model, prompt, o.bos) : prompt;
  const long = tooLong(model, ids.length);
  if (long) throw long;
  if (ids.length === 0) throw new SemanticFlowError('bad-input', 'The prompt is empty.');
  if (typeof prompt === 'string') {
    const r = await model.analyze(prompt, { topK: o.topK, bos: o.bos, signal: o.signal, chunkSize: o.chunkSize });
    const rows: ScoredPosition[] = r.options?.bos ? [{ id: ids[0], start: 0, logprob: null, rank: null, top: [] }] : [];
    for (const t of r.tokens) {
      rows.push({
        id: t.id,
        start: t.start,
        logprob: t.surprisalBits === null ? null : natsOfBits(t.surprisalBits),
        rank: t.rank,
        top: (t.topK ?? []).map((a) => ({ id: a.id, logprob: natsOfBits(a.bits) })),
      });
    }
    return rows;
  }
  const V = model.info.vocabSize;
  if (ids.some((id) => !Number.isInteger(id) || id < 0 || id >= V)) throw new SemanticFlowError('bad-input', `Token ids must be whole numbers from 0 to ${V - 1}.`);
  // An id prompt is echoed as its tokens' texts, one after another.
  const starts = [0];
  for (const id of ids) starts.push(starts[starts.length - 1] + model.tokenText(id).length);
  const rows: ScoredPosition[] = [{ id: ids[0], start: 0, logprob: null, rank: null, top: [] }];
  const chunk = o.chunkSize ?? 128;
  let cache: KvCache | null = null;
  try {
    for (let a = 0; a < ids.length - 1; a += chunk) {
      const b = Math.min(ids.length - 1, a + chunk);
      const out = await model.forward({ inputIds: [ids.slice(a, b)], past: cache, keepCache: b < ids.length - 1 }, o.signal);
      cache?.dispose();
      cache = out.cache;
      for (let p = a; p < b; p++) {
        const m = positionMeasures(logitsRow(out, 0, p - a), ids[p + 1], o.topK);
        rows.push({ id: ids[p + 1], start: starts[p + 1], logprob: natsOfBits(m.surprisalBits as number), rank: m.rank, top: m.topK.map((e) => ({ id: e.id, logprob: natsOfBits(e.bits) })) });
      }
    }
  } finally {
    cache?.dispose();
  }
  return rows;
}
