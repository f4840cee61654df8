/**
 * Two models whose tokenizers differ, on one text (measures.md, "Two models with different
 * tokenizers"): KL and per-token differences need one token sequence, so the common unit is the byte.
 * Each model scores the text with its own tokens; Σ surprisal over the text is −log2 p(text) under that
 * model (identity 1), whatever the tokenization, so bits per UTF-8 byte compare. Per line, each token's
 * bits count for the line holding its first non-space character (the line aggregates' rule).
 */
import { analyzeText, type AnalyzeOptions } from './analyze';
import { SemanticFlowError, throwIfAborted } from './errors';
import type { AnalysisResult, CrossComparison } from './result';
import { resultObject } from './resultObject';
import type { ScoringModel } from './scoringModel';

const utf8 = new TextEncoder();

export type CrossCompareOptions = Pick<AnalyzeOptions, 'topK' | 'chunkSize' | 'stride' | 'bos' | 'signal'>;

export async function compareAcrossTokenizers(
  a: ScoringModel,
  b: ScoringModel,
  text: string,
  options: CrossCompareOptions = {},
): Promise<AnalysisResult> {
  if (text.length === 0)
    throw new SemanticFlowError('bad-input', 'There is no text to compare on: the input is empty.');
  throwIfAborted(options.signal);
  const ra = await analyzeText(text, a, { ...options, units: true });
  const rb = await analyzeText(text, b, { ...options, units: true });
  const lines = ra.lines!.map((l, i) => ({
    start: l.start,
    end: l.end,
    bytes: utf8.encode(l.text).length,
    bitsA: l.surprisalBits,
    bitsB: rb.lines![i].surprisalBits,
  }));
  const crossComparison: CrossComparison = {
    modelB: b.info,
    tokensA: ra.summary.scoredTokens,
    tokensB: rb.summary.scoredTokens,
    totalBitsA: ra.summary.totalBits,
    totalBitsB: rb.summary.totalBits,
    bitsPerByteA: ra.summary.bitsPerByte,
    bitsPerByteB: rb.summary.bitsPerByte,
    lines,
  };
  return resultObject(a.info, text, ra.tokens, ra.options!, { crossComparison });
}
