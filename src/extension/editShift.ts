/**
 * Pure: keeps a stored result aligned with its document while the user types. Tokens after an edit
 * move by the length delta, tokens the edit touches are dropped, and the version is bumped, so the
 * decorations and hovers stay on the right characters until the next analysis. Parts of a result
 * indexed by token position (flow, comparison, generation, word/line aggregates) are dropped when an
 * edit lands inside the analysed text; directed-information tokens shift like the tokens.
 */
import type { AnalysisResult, DiTokenRecord, TokenRecord } from '../core/result';
import { summarize } from '../core/summary';
import type { StoredResult } from './resultStore';

/** One change of a document, as vscode.TextDocumentContentChangeEvent gives it (offsets before the change). */
export interface TextChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

interface Spanned {
  start: number;
  end: number;
}

/** Keeps spans ending at or before `cutStart`, moves spans starting at or after `cutEnd` by `delta`, drops the rest. */
function shiftSpans<T extends Spanned>(items: readonly T[], cutStart: number, cutEnd: number, delta: number): T[] {
  const out: T[] = [];
  for (const it of items) {
    if (it.end <= cutStart) out.push(it);
    else if (it.start >= cutEnd) out.push(delta === 0 ? it : { ...it, start: it.start + delta, end: it.end + delta });
  }
  return out;
}

const mapPos = (p: number, cutStart: number, cutEnd: number, delta: number): number =>
  p <= cutStart ? p : p >= cutEnd ? p + delta : cutStart;

function rebuild(
  result: AnalysisResult,
  text: string,
  cutStart: number,
  cutEnd: number,
  delta: number,
): AnalysisResult | undefined {
  const tokens: TokenRecord[] = shiftSpans(result.tokens, cutStart, cutEnd, delta).map((t, i) =>
    t.index === i ? t : { ...t, index: i },
  );
  if (tokens.length === 0 || text.length === 0) return undefined;
  const {
    flow: _f,
    comparison: _c,
    crossComparison: _x,
    generation: _g,
    rateDistortion: _r,
    dialogue: _d,
    words: _w,
    lines: _l,
    di,
    ...rest
  } = result;
  const next: AnalysisResult = { ...rest, text, tokens, summary: summarize(tokens, text) };
  if (di) {
    next.di = {
      ...di,
      tokens: shiftSpans<DiTokenRecord>(di.tokens, cutStart, cutEnd, delta),
      responseStart: mapPos(di.responseStart, cutStart, cutEnd, delta),
      responseEnd: mapPos(di.responseEnd, cutStart, cutEnd, delta),
    };
  }
  return next;
}

/** The stored result after one change, or undefined when nothing of it is left. */
export function applyChange(
  s: { offset: number; result: AnalysisResult },
  c: TextChange,
): { offset: number; result: AnalysisResult } | undefined {
  const { text } = s.result;
  const len = text.length;
  const relStart = c.rangeOffset - s.offset;
  const relEnd = relStart + c.rangeLength;
  const delta = c.text.length - c.rangeLength;
  if (relEnd <= 0) return { offset: s.offset + delta, result: s.result }; // before (an insertion at the start included)
  if (relStart >= len) return s; // after
  if (relStart < 0 && relEnd > len) return undefined; // swallowed whole
  if (relStart < 0) {
    // The edit eats the start: what is left begins right after the inserted text.
    const r = rebuild(s.result, text.slice(relEnd), 0, relEnd, -relEnd);
    return r && { offset: c.rangeOffset + c.text.length, result: r };
  }
  if (relEnd > len) {
    const r = rebuild(s.result, text.slice(0, relStart), relStart, len, 0);
    return r && { offset: s.offset, result: r };
  }
  const r = rebuild(s.result, text.slice(0, relStart) + c.text + text.slice(relEnd), relStart, relEnd, delta);
  return r && { offset: s.offset, result: r };
}

/**
 * The stored result after a document change event (changes applied in order, as VS Code reports
 * them), at the document's new version; undefined when the edits removed every analysed token.
 */
export function shiftStored(
  stored: StoredResult,
  changes: readonly TextChange[],
  newVersion: number,
): StoredResult | undefined {
  let cur: { offset: number; result: AnalysisResult } | undefined = { offset: stored.offset, result: stored.result };
  for (const c of changes) {
    cur = applyChange(cur, c);
    if (!cur) return undefined;
  }
  const source = cur.result.source ? { ...cur.result.source, version: newVersion, offset: cur.offset } : undefined;
  return {
    ...stored,
    documentVersion: newVersion,
    offset: cur.offset,
    result: source ? { ...cur.result, source } : cur.result,
  };
}
