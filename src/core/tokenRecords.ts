/** Per-token records of a pass, shared by the two-pass analyses (directed information, flow, comparison). */
import { bytesAsText } from './display';
import type { TokenRecord } from './result';
import type { ScoringModel, TokenizedText } from './scoringModel';
import { positionMeasures, type PositionMeasures } from './tokenMeasures';

/** A record without measures for token `i` of `tok` (its text from `text`), numbered `index`. */
export function blankRecord(
  tok: TokenizedText,
  i: number,
  text: string,
  model: ScoringModel,
  index: number,
): TokenRecord {
  const span = tok.spans[i];
  return {
    index,
    id: tok.ids[i],
    text: span.end > span.start ? text.slice(span.start, span.end) : model.tokenText(tok.ids[i]),
    start: span.start,
    end: span.end,
    surprisalBits: null,
    probability: null,
    entropyBits: null,
    varentropyBits2: null,
    surpriseExcessBits: null,
    rank: null,
    topK: null,
    ...(tok.special[i] ? { special: true } : {}),
  };
}

/** An alternative's text: a token that is part of a character shows its bytes (<0xE2>), not U+FFFD. */
const alternativeText = (model: ScoringModel, id: number): string =>
  model.tokenBytes ? bytesAsText(model.tokenBytes(id)) : model.tokenText(id);

/** Sets `t`'s measures (top-k texts from the model's vocabulary). */
export function setMeasures(t: TokenRecord, m: Omit<PositionMeasures, 'logZ' | 'max'>, model: ScoringModel): void {
  t.surprisalBits = m.surprisalBits;
  t.probability = m.probability;
  t.entropyBits = m.entropyBits;
  t.varentropyBits2 = m.varentropyBits2;
  t.surpriseExcessBits = (m.surprisalBits as number) - m.entropyBits;
  t.rank = m.rank;
  t.topK = m.topK.map((e) => ({
    id: e.id,
    text: alternativeText(model, e.id),
    probability: e.probability,
    bits: e.bits,
  }));
}

/** Fills `t` from the logits row that predicts it. */
export function fillRecord(t: TokenRecord, row: Float32Array, topK: number, model: ScoringModel): PositionMeasures {
  const m = positionMeasures(row, t.id, topK);
  setMeasures(t, m, model);
  return m;
}
