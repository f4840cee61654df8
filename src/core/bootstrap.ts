/**
 * Percentile bootstrap of a ratio of sums over items (measures.md, "Rate–distortion", Interval): each
 * resample draws n items with replacement and computes Σ value / Σ weight; with unit weights that is the
 * mean. Seeded (mulberry32), so an interval is reproducible from its seed.
 */
import { mulberry32 } from './sampling';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  seed?: number;
  /** Central coverage of the interval (default 0.95: the 2.5th to 97.5th percentile). */
  level?: number;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_SEED = 1;

/** The value at quantile q of ascending `sorted` (linear interpolation between order statistics). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h),
    hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * [lower, upper] of Σ values / Σ weights under resampling of the items; `weights` default to 1. Empty
 * input gives [NaN, NaN] (no interval exists).
 */
export function bootstrapRatio(
  values: ArrayLike<number>,
  weights: ArrayLike<number> | null,
  o: BootstrapOptions = {},
): [number, number] {
  const n = values.length;
  if (n === 0) return [NaN, NaN];
  const B = o.resamples ?? DEFAULT_RESAMPLES;
  const level = o.level ?? 0.95;
  const uniform = mulberry32(o.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let v = 0,
      w = 0;
    for (let k = 0; k < n; k++) {
      const i = Math.floor(uniform() * n);
      v += values[i];
      w += weights ? weights[i] : 1;
    }
    stats[b] = v / w;
  }
  stats.sort();
  return [quantile(stats, (1 - level) / 2), quantile(stats, 1 - (1 - level) / 2)];
}
