/** Hand-built results for extension tests: every span and value is visible in the literal. */
import { SCHEMA_VERSION, type AnalysisResult, type TokenRecord } from '../../../src/core/result';
import { summarize } from '../../../src/core/summary';
import { fakeInfo } from '../../helpers/fakeModel';

/** One token per [text, surprisalBits] pair, laid end to end. */
export function resultOf(pieces: [string, number | null][], extra: Partial<AnalysisResult> = {}): AnalysisResult {
  let at = 0;
  const tokens: TokenRecord[] = pieces.map(([text, bits], index) => {
    const t: TokenRecord = {
      index,
      id: 100 + index,
      text,
      start: at,
      end: at + text.length,
      surprisalBits: bits,
      probability: bits === null ? null : 2 ** -bits,
      entropyBits: bits === null ? null : bits / 2,
      varentropyBits2: null,
      surpriseExcessBits: bits === null ? null : bits / 2,
      rank: bits === null ? null : 1 + Math.floor(bits),
      topK: bits === null ? null : [{ id: 100 + index, text, probability: 2 ** -bits, bits }],
    };
    at += text.length;
    return t;
  });
  const text = pieces.map(([t]) => t).join('');
  return { schemaVersion: SCHEMA_VERSION, model: fakeInfo(), text, tokens, summary: summarize(tokens, text), ...extra };
}
