/**
 * What `serve` computes for one prompt on the local engine: its token ids and where each sits in the
 * echoed text, and per prompt position the token, its natural log-probability, rank and top-k, as
 * vLLM's prompt_logprobs would carry them (with each id's decoded text, so bodies need no tokenizer).
 * Text prompts are scored by the engine's own analyze (the same numbers as local analysis); token-id
 * prompts by chunked teacher-forced passes with the KV cache.
 */
import { SemanticFlowError } from '../../core/errors';
import { prefill } from '../../core/prefill';
import type { ScoringModel } from '../../core/scoringModel';
import { positionMeasures } from '../../core/tokenMeasures';
import { LN2 } from '../../core/units';
import type { LanguageModel } from '../languageModel';

export interface ScoredAlternative {
  id: number;
  /** Decoded text of the id (U+FFFD for partial UTF-8), as vLLM's decoded_token. */
  text: string;
  /** ln p */
  logprob: number;
}

export interface ScoredPosition {
  id: number;
  text: string;
  /** UTF-16 offset of the token in the prompt text as echoed (a BOS the server adds sits at 0, empty). */
  start: number;
  /** ln p(id | prefix); null for the first position. */
  logprob: number | null;
  rank: number | null;
  top: ScoredAlternative[];
}

/** The local engine as serve uses it: scoring, passes, and the bytes each id adds to decoded text. */
export type LocalEngine = LanguageModel &
  ScoringModel & { decodedBytes(id: number): Uint8Array; readonly textBytesPerToken: number };

export interface ServedPrompt {
  ids: number[];
  /** UTF-16 offset of each id in `text`. */
  starts: number[];
  /** The prompt as echoed: the text itself, or the ids' texts one after another. */
  text: string;
}

const natsOfBits = (bits: number): number => -bits * LN2;

/** The prompt's token ids (BOS first when asked and the model has one) and where each sits in its text. */
export function servedPrompt(model: ScoringModel, prompt: string | number[], bos: boolean): ServedPrompt {
  const bosIds = bos && model.info.bosTokenId !== null ? [model.info.bosTokenId] : [];
  if (typeof prompt === 'string') {
    const tok = model.tokenize(prompt);
    return {
      ids: [...bosIds, ...tok.ids],
      starts: [...bosIds.map(() => 0), ...tok.spans.map((s) => s.start)],
      text: prompt,
    };
  }
  const V = model.info.vocabSize;
  if (prompt.some((id) => !Number.isInteger(id) || id < 0 || id >= V))
    throw new SemanticFlowError('bad-input', `Token ids must be whole numbers from 0 to ${V - 1}.`);
  const starts: number[] = [];
  let text = '';
  for (const id of prompt) {
    starts.push(text.length);
    text += model.tokenText(id);
  }
  return { ids: prompt, starts, text };
}

/** vLLM's refusal of a prompt longer than the context window `w` (`atLeast`: counted without tokenizing it all). */
export function tooLong(w: number | null, n: number, atLeast = false): SemanticFlowError | null {
  return w !== null && n > w
    ? new SemanticFlowError(
        'too-large',
        `This model's maximum context length is ${w} tokens. However, your prompt contains ${atLeast ? 'at least ' : ''}${n} input tokens. Please reduce the length of the input prompt.`,
      )
    : null;
}

/** A position from the logits row that predicts it (null: nothing conditions it). */
export function positionOf(
  model: ScoringModel,
  id: number,
  start: number,
  row: Float32Array | null,
  k: number,
): ScoredPosition {
  const text = model.tokenText(id);
  if (!row) return { id, text, start, logprob: null, rank: null, top: [] };
  const m = positionMeasures(row, id, k);
  return {
    id,
    text,
    start,
    logprob: natsOfBits(m.surprisalBits as number),
    rank: m.rank,
    top: m.topK.map((e) => ({ id: e.id, text: model.tokenText(e.id), logprob: natsOfBits(e.bits) })),
  };
}

export interface ScorePromptOptions {
  topK: number;
  /** Prepend the model's BOS to a text prompt (vLLM add_special_tokens). */
  bos: boolean;
  signal?: AbortSignal;
  chunkSize?: number;
}

/** Every position of the prompt `p` (servedPrompt of `prompt`), scored. */
export async function scorePrompt(
  model: LocalEngine,
  prompt: string | number[],
  p: ServedPrompt,
  o: ScorePromptOptions,
): Promise<ScoredPosition[]> {
  if (typeof prompt === 'string') {
    const r = await model.analyze(prompt, { topK: o.topK, bos: o.bos, signal: o.signal, chunkSize: o.chunkSize });
    const rows: ScoredPosition[] = r.options?.bos ? [positionOf(model, p.ids[0], 0, null, 0)] : [];
    for (const t of r.tokens) {
      rows.push({
        id: t.id,
        text: model.tokenText(t.id),
        start: t.start,
        logprob: t.surprisalBits === null ? null : natsOfBits(t.surprisalBits),
        rank: t.rank,
        top: (t.topK ?? []).map((a) => ({ id: a.id, text: model.tokenText(a.id), logprob: natsOfBits(a.bits) })),
      });
    }
    return rows;
  }
  const rows: ScoredPosition[] = [positionOf(model, p.ids[0], 0, null, 0)];
  const done = await prefill(model, p.ids, o.chunkSize ?? 128, o.signal, (target, row) =>
    rows.push(positionOf(model, p.ids[target], p.starts[target], row, o.topK)),
  );
  done.cache?.dispose();
  return rows;
}
