/**
 * Parsed server rows + the scored text → the one AnalysisResult. Surprisal and probability are exact,
 * rank is the server's (or exact from the top-k when the token is among them), entropy is only known
 * between bounds (entropyBoundsBits; entropyBits stays null), and spans come from tokenSpans.ts.
 * A leading prediction-less token that is not in the text (the BOS the server prepended) is dropped,
 * as the local engine does not list its BOS either.
 */
import type { AnalysisResult, ModelInfo, TokenRecord } from '../../core/result';
import { LN2 } from '../../core/units';
import { entropyBoundsBits } from './entropyBounds';
import { isSelf, rankFromTop } from './parseResponse';
import { spansOfPieces } from './tokenSpans';
import type { TokenSpan } from '../../core/spans';
import type { RemoteRow } from './types';
import { resultObject } from '../../core/resultObject';

export interface RowsToResultOptions {
  topK: number;
  spans?: readonly TokenSpan[];
  units?: boolean;
  source?: AnalysisResult['source'];
}

const bitsOf = (logprob: number): number => -logprob / LN2;

/** Per-token record of one row (index and span given). */
export function tokenOfRow(
  row: RemoteRow,
  index: number,
  span: { start: number; end: number },
  text: string,
  topK: number,
  vocabSize: number | null,
): TokenRecord {
  const lp = row.logprob;
  const top = row.top;
  const t: TokenRecord = {
    index,
    id: row.id ?? -1,
    text: span.end > span.start ? text.slice(span.start, span.end) : (row.piece ?? ''),
    start: span.start,
    end: span.end,
    surprisalBits: lp === null ? null : bitsOf(lp),
    probability: lp === null ? null : Math.exp(lp),
    entropyBits: null,
    varentropyBits2: null,
    surpriseExcessBits: null,
    rank: lp === null ? null : (row.rank ?? rankFromTop(row)),
    topK:
      lp === null || top === null
        ? null
        : top
            .slice(0, topK)
            .map((e) => ({ id: e.id ?? -1, text: e.piece, probability: Math.exp(e.logprob), bits: bitsOf(e.logprob) })),
  };
  if (lp !== null && vocabSize !== null) {
    const known = (top ?? []).map((e) => Math.exp(e.logprob));
    const inTop = top?.some((e) => isSelf(row, e)) ?? false;
    if (!inTop) known.push(Math.exp(lp));
    const cap = top && top.length > 0 && row.topComplete ? Math.exp(top[top.length - 1].logprob) : null;
    t.entropyBoundsBits = entropyBoundsBits({ known, vocabSize, cap });
  }
  return t;
}

export interface RowsToTokens {
  tokens: TokenRecord[];
  /** A server-added BOS row was dropped. */
  bos: boolean;
  exactSpans: boolean;
}

/** `known`: spans already known (one per row), e.g. when the prompt was sent as token ids. */
export function rowsToTokens(
  text: string,
  rows: readonly RemoteRow[],
  topK: number,
  vocabSize: number | null,
  known?: readonly TokenSpan[],
): RowsToTokens {
  const { spans, exact } =
    known && known.length === rows.length ? { spans: known, exact: true } : spansOfPieces(text, rows);
  let skip = 0;
  while (skip < rows.length - 1 && rows[skip].logprob === null && spans[skip].start === 0 && spans[skip].end === 0)
    skip++;
  const tokens: TokenRecord[] = [];
  for (let i = skip; i < rows.length; i++) {
    const t = tokenOfRow(rows[i], i - skip, spans[i], text, topK, vocabSize);
    if (spans[i].end === spans[i].start && text.length > 0) t.special = true;
    tokens.push(t);
  }
  return { tokens, bos: skip > 0, exactSpans: exact };
}

export function rowsToResult(
  text: string,
  rows: readonly RemoteRow[],
  info: ModelInfo,
  o: RowsToResultOptions,
): AnalysisResult {
  const vocab = info.vocabSize > 0 ? info.vocabSize : null;
  const { tokens, bos } = rowsToTokens(text, rows, o.topK, vocab, o.spans);
  return resultObject(
    info,
    text,
    tokens,
    { topK: o.topK, bos, chunkSize: rows.length },
    { source: o.source, units: o.units },
  );
}
