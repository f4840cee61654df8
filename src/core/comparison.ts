/**
 * Two models on one text (measures.md, "Two models on one text"): per token kappa = KL(p_A || p_B)
 * and delta = log2 p_A − log2 p_B on the same context. Both must share the tokenizer, or the
 * contexts would differ; that is checked before any pass runs.
 */
import { SemanticFlowError, throwIfAborted } from './errors';
import { pairMeasures } from './divergence';
import { forcedRows } from './forcedRows';
import type { AnalysisResult, ComparisonResult, TokenRecord } from './result';
import type { ScoringModel } from './scoringModel';
import { blankRecord, fillRecord } from './tokenRecords';
import { resultObject } from './resultObject';

export interface CompareProgress {
  stage: 'compare';
  doneTokens: number;
  totalTokens: number;
}

export interface CompareOptions {
  topK?: number;
  chunkSize?: number;
  stride?: number;
  bos?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: CompareProgress) => void;
}

/** Whether two models share a tokenizer (assertSameTokenizer's checks). */
export function sameTokenizer(a: ScoringModel, b: ScoringModel, text: string): boolean {
  try {
    assertSameTokenizer(a, b, text);
    return true;
  } catch (e) {
    if (e instanceof SemanticFlowError && e.code === 'tokenizer-mismatch') return false;
    throw e;
  }
}

/** Refuses two models whose tokenizers differ (vocabulary size, special ids, token strings, or the ids of `text`). */
export function assertSameTokenizer(a: ScoringModel, b: ScoringModel, text: string): void {
  const refuse = (why: string) => {
    throw new SemanticFlowError(
      'tokenizer-mismatch',
      `The models ${a.info.id} and ${b.info.id} do not share a tokenizer (${why}); they can only be compared on the same tokens.`,
    );
  };
  if (a.info.vocabSize !== b.info.vocabSize)
    refuse(`vocabularies of ${a.info.vocabSize} and ${b.info.vocabSize} tokens`);
  if (a.info.bosTokenId !== b.info.bosTokenId) refuse(`BOS ids ${a.info.bosTokenId} and ${b.info.bosTokenId}`);
  const ia = a.tokenize(text).ids,
    ib = b.tokenize(text).ids;
  const at = ia.findIndex((id, i) => id !== ib[i]);
  if (ia.length !== ib.length || at >= 0)
    refuse(
      `the text tokenizes into ${ia.length} and ${ib.length} tokens, first differing at token ${at < 0 ? Math.min(ia.length, ib.length) : at}`,
    );
  const V = a.info.vocabSize,
    step = Math.max(1, Math.floor(V / 512));
  for (let id = 0; id < V; id += step)
    if (a.tokenText(id) !== b.tokenText(id))
      refuse(
        `token ${id} is ${JSON.stringify(a.tokenText(id))} in one and ${JSON.stringify(b.tokenText(id))} in the other`,
      );
}

export async function compareModels(
  a: ScoringModel,
  b: ScoringModel,
  text: string,
  options: CompareOptions = {},
): Promise<AnalysisResult> {
  const { topK = 5, chunkSize = 128, bos = true, signal } = options;
  if (text.length === 0)
    throw new SemanticFlowError('bad-input', 'There is no text to compare on: the input is empty.');
  throwIfAborted(signal);
  assertSameTokenizer(a, b, text);
  const tok = a.tokenize(text);
  const prefix = bos && a.info.bosTokenId !== null ? [a.info.bosTokenId] : [];
  const seq = [...prefix, ...tok.ids];
  const tokens: TokenRecord[] = tok.ids.map((_, i) => blankRecord(tok, i, text, a, i));
  const rows: ComparisonResult['tokens'] = tokens.map((t) => ({
    index: t.index,
    klBits: null,
    deltaBits: null,
    surprisalBitsB: null,
  }));
  let totalKl = 0,
    totalDelta = 0,
    done = 0;
  const total = seq.length - 1;

  const rowsA = forcedRows(a, seq, { firstTarget: 1, chunkSize, stride: options.stride, signal });
  const rowsB = forcedRows(b, seq, { firstTarget: 1, chunkSize, stride: options.stride, signal });
  try {
    for await (const ra of rowsA) {
      const rb = await rowsB.next();
      if (rb.done || rb.value.target !== ra.target)
        throw new Error('compareModels: the rows of the two models are out of step');
      const k = ra.target - prefix.length;
      const t = tokens[k];
      fillRecord(t, ra.row, topK, a);
      if (ra.truncatedContext || rb.value.truncatedContext) t.truncatedContext = true;
      const pm = pairMeasures(ra.row, rb.value.row, t.id);
      rows[k] = { index: k, klBits: pm.klBits, deltaBits: pm.log2P - pm.log2Q, surprisalBitsB: -pm.log2Q };
      if (!t.special) {
        totalKl += pm.klBits;
        totalDelta += pm.log2P - pm.log2Q;
      }
      options.onProgress?.({ stage: 'compare', doneTokens: ++done, totalTokens: total });
    }
  } finally {
    await rowsB.return(undefined);
  }
  return resultObject(
    a.info,
    text,
    tokens,
    { topK, bos: prefix.length > 0, chunkSize },
    {
      comparison: { modelB: b.info, tokens: rows, totalKlBits: totalKl, totalDeltaBits: totalDelta },
    },
  );
}
