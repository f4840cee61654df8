/**
 * Pure view model of a rate–distortion result (measures.md, "Rate–distortion of a quantised model"): the
 * points of the curve with their intervals, the table of variants, and a variant's worst tokens. Values
 * are read from result.rateDistortion as they are.
 */
import { visibleToken } from '../src/core/display';
import type { AnalysisResult, RateDistortionPoint } from '../src/core/result';
import { formatBits, formatBytes } from '../src/core/units';

export interface RdPoint {
  label: string;
  x: number;
  y: number;
  low: number;
  high: number;
}

export function rdPoints(r: AnalysisResult): RdPoint[] {
  return (r.rateDistortion?.points ?? []).map((p) => ({
    label: p.variant,
    x: p.bitsPerWeight,
    y: p.meanKlBits,
    low: p.klInterval[0],
    high: p.klInterval[1],
  }));
}

const withInterval = (v: number, i: [number, number], d: number): string =>
  `${v.toFixed(d)} [${i[0].toFixed(d)}, ${i[1].toFixed(d)}]`;

export function rdRows(r: AnalysisResult): string[][] {
  return (r.rateDistortion?.points ?? []).map((p) => [
    p.variant,
    p.file,
    formatBytes(p.bytes),
    p.bitsPerWeight.toFixed(3),
    withInterval(p.meanKlBits, p.klInterval, 4),
    withInterval(p.deltaBitsPerByte, p.deltaInterval, 4),
  ]);
}

/** What the numbers mean, under the table. */
export function rdNote(r: AnalysisResult): string {
  const rd = r.rateDistortion;
  if (!rd) return '';
  const tokens = rd.texts.reduce((n, t) => n + t.tokens, 0);
  return `Rate = 8 × file bytes / ${rd.parameters.toLocaleString('en-US')} parameters (float initializers of ${rd.reference}). Distortion = KL(fp32 ‖ variant) per token over ${tokens} tokens; intervals: bootstrap, ${rd.bootstrap.resamples} resamples, seed ${rd.bootstrap.seed}.`;
}

/** The variant whose worst tokens are listed first: the most distorted. */
export function defaultVariant(r: AnalysisResult): string | null {
  const points = r.rateDistortion?.points ?? [];
  if (points.length === 0) return null;
  return points.reduce((a: RateDistortionPoint, b) => (b.meanKlBits > a.meanKlBits ? b : a)).variant;
}

export interface WorstItem {
  /** Index into result.tokens (the text shown and decorated). */
  tokenIndex: number;
  text: string;
  detail: string;
}

export function worstItems(r: AnalysisResult, variant: string): WorstItem[] {
  const p = r.rateDistortion?.points.find((x) => x.variant === variant);
  if (!p) return [];
  return p.worst
    .filter((w) => w.text === 0)
    .map((w) => ({
      tokenIndex: w.index,
      // as in the token strip: a line break shows as ↵ and still breaks (the e2e product check reads it so)
      text: visibleToken(w.token, 'strip'),
      detail: `KL ${formatBits(w.klBits, 4)} · Δ surprisal (variant − fp32) ${formatBits(-w.deltaBits, 3)} · characters ${w.start}–${w.end}`,
    }));
}
