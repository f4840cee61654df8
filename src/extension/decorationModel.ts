/**
 * Pure: a result and a metric → for each colour bucket, the [start, end) UTF-16 ranges (relative to
 * result.text) to paint. Buckets come from core/scale.ts, the same scale as the panel legend and the
 * CLI table. A token without a value (the first token without BOS, special tokens) gets no bucket.
 */
import type { AnalysisResult } from '../core/result';
import { SCALE_BUCKETS, SIGNED_EDGES, SURPRISAL_EDGES, bucketOf } from '../core/scale';

export const DECORATION_METRICS = [
  'surprisal',
  'entropy',
  'surpriseExcess',
  'directedInformation',
  'flowIntoSelection',
] as const;
export type DecorationMetric = (typeof DECORATION_METRICS)[number];

export type Range = [start: number, end: number];

export interface DecorationModel {
  /** SCALE_BUCKETS lists of ranges, bucket 0 first (green, predictable) to the last (red). */
  buckets: Range[][];
  /** The metric actually drawn (a metric the result cannot give falls back to surprisal). */
  metric: DecorationMetric;
  /** Why the requested metric was not drawn as asked, for the status bar tooltip. */
  note?: string;
}

export const emptyBuckets = (): Range[][] => Array.from({ length: SCALE_BUCKETS }, () => []);

interface Valued {
  start: number;
  end: number;
  value: number | null | undefined;
}

function bucketize(items: Iterable<Valued>, edges: readonly number[]): Range[][] {
  const buckets = emptyBuckets();
  for (const it of items) {
    if (it.end <= it.start) continue;
    const b = bucketOf(it.value, edges);
    if (b !== null) buckets[b].push([it.start, it.end]);
  }
  return buckets;
}

function tokenValues(result: AnalysisResult, pick: (t: AnalysisResult['tokens'][number]) => number | null): Valued[] {
  return result.tokens.filter((t) => !t.special).map((t) => ({ start: t.start, end: t.end, value: pick(t) }));
}

const NO_DI =
  'This result has no directed information; run "Directed Information: Prompt → Response". Showing surprisal.';
const NO_FLOW = 'This result has no flow matrix; run "Token Flow Matrix". Showing surprisal.';
const SELECT_TARGETS = 'Select target tokens to see the flow into them.';

/** Columns of result.flow whose target token overlaps `sel` (an empty selection counts the character after it). */
function selectedColumns(result: AnalysisResult, sel: { start: number; end: number }): number[] {
  const byIndex = new Map(result.tokens.map((t) => [t.index, t]));
  const end = Math.max(sel.end, sel.start + 1);
  const cols: number[] = [];
  result.flow?.targets.forEach((ti, j) => {
    const t = byIndex.get(ti);
    if (t && t.start < end && t.end > sel.start) cols.push(j);
  });
  return cols;
}

/** Σ flow (bits) from each source into the target tokens overlapping `sel`; null when none is selected. */
export function flowIntoRange(result: AnalysisResult, sel: { start: number; end: number }): Valued[] | null {
  const flow = result.flow;
  if (!flow) return null;
  const cols = selectedColumns(result, sel);
  if (cols.length === 0) return null;
  return flow.sources.map((s, i) => ({
    start: s.start,
    end: s.end,
    value: cols.reduce((a, j) => a + (Number.isFinite(flow.phiBits[i]?.[j]) ? flow.phiBits[i][j] : 0), 0),
  }));
}

/**
 * Why `metric` is not drawn as asked for this result and selection (relative to result.text), or undefined:
 * the note decorationModel gives, without computing any ranges (the status bar asks on every selection change).
 */
export function metricNote(
  result: AnalysisResult,
  metric: DecorationMetric,
  selection?: { start: number; end: number },
): string | undefined {
  if (metric === 'directedInformation') return result.di ? undefined : NO_DI;
  if (metric !== 'flowIntoSelection') return undefined;
  if (!result.flow) return NO_FLOW;
  return selection && selectedColumns(result, selection).length > 0 ? undefined : SELECT_TARGETS;
}

/** The ranges to paint for `metric`; `selection` (relative to result.text) is needed by flowIntoSelection. */
export function decorationModel(
  result: AnalysisResult,
  metric: DecorationMetric,
  selection?: { start: number; end: number },
): DecorationModel {
  const surprisal = (note?: string): DecorationModel => ({
    buckets: bucketize(
      tokenValues(result, (t) => t.surprisalBits),
      SURPRISAL_EDGES,
    ),
    metric: 'surprisal',
    ...(note ? { note } : {}),
  });
  switch (metric) {
    case 'surprisal':
      return surprisal();
    case 'entropy':
      return {
        buckets: bucketize(
          tokenValues(result, (t) => t.entropyBits),
          SURPRISAL_EDGES,
        ),
        metric,
      };
    case 'surpriseExcess':
      return {
        buckets: bucketize(
          tokenValues(result, (t) => t.surpriseExcessBits),
          SIGNED_EDGES,
        ),
        metric,
      };
    case 'directedInformation':
      if (!result.di) return surprisal(NO_DI);
      return {
        buckets: bucketize(
          result.di.tokens.map((t) => ({ start: t.start, end: t.end, value: t.iotaBits })),
          SIGNED_EDGES,
        ),
        metric,
      };
    case 'flowIntoSelection': {
      if (!result.flow) return surprisal(NO_FLOW);
      const values = selection ? flowIntoRange(result, selection) : null;
      if (!values) return { buckets: emptyBuckets(), metric, note: SELECT_TARGETS };
      return { buckets: bucketize(values, SURPRISAL_EDGES), metric };
    }
  }
}

/** Ranges per bucket, for status reports. */
export const bucketCounts = (m: { buckets: Range[][] }): number[] => m.buckets.map((b) => b.length);
