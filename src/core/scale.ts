/**
 * The colour scale shared by editor decorations, the panel legend and the CLI table: a measure value
 * in bits falls into one of SCALE_BUCKETS buckets. Views pick colours per bucket; none recomputes a measure.
 */
export const SCALE_BUCKETS = 8;

/** Upper edges (bits) of buckets 0..6 for surprisal-like measures; bucket 7 is everything above. */
export const SURPRISAL_EDGES = [1, 2, 4, 6, 8, 11, 14] as const;

/** Bucket of a value on fixed edges; null values have no bucket. */
export function bucketOf(value: number | null | undefined, edges: readonly number[] = SURPRISAL_EDGES): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  for (let i = 0; i < edges.length; i++) if (value < edges[i]) return i;
  return edges.length;
}

/** Edges for signed measures (surprise excess, directed information): symmetric around 0. */
export const SIGNED_EDGES = [-6, -3, -1, 0, 1, 3, 6] as const;

export function bucketLabel(i: number, edges: readonly number[] = SURPRISAL_EDGES): string {
  if (i === 0) return `< ${edges[0]} bits`;
  if (i >= edges.length) return `≥ ${edges[edges.length - 1]} bits`;
  return `${edges[i - 1]}–${edges[i]} bits`;
}
