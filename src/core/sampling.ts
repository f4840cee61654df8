/**
 * Choosing the next token: greedy, or sampling at a temperature with a seeded PRNG (mulberry32), so a
 * generation is reproducible from its seed. Sample k of a Monte Carlo run gets its own stream, so its
 * tokens do not depend on how samples are batched.
 */

/** mulberry32: a small, fast 32-bit PRNG; returns uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seed of sample `k` of a run seeded `seed` (a hash, so neighbouring seeds give unrelated streams). */
export function sampleSeed(seed: number, k: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The id with the largest logit (lowest id on ties). */
export function argmax(row: Float32Array): number {
  let best = 0;
  for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
  return best;
}

/** An id drawn from softmax(row / temperature) by inversion of one uniform. */
export function sampleId(row: Float32Array, temperature: number, uniform: number): number {
  const inv = 1 / temperature;
  let m = -Infinity;
  for (let v = 0; v < row.length; v++) if (row[v] > m) m = row[v];
  let z = 0;
  for (let v = 0; v < row.length; v++) z += Math.exp((row[v] - m) * inv);
  const u = uniform * z;
  let acc = 0,
    last = 0;
  for (let v = 0; v < row.length; v++) {
    const e = Math.exp((row[v] - m) * inv);
    if (e === 0) continue;
    acc += e;
    last = v;
    if (acc > u) return v;
  }
  return last; // u landed in the rounding gap at the top
}

/** vLLM's top_k and top_p: the most probable `topK` ids (0: all), then the fewest of those whose probability reaches `topP`. */
export interface SamplingFilter {
  topK?: number;
  topP?: number;
}

/**
 * An id drawn from softmax(row / temperature) restricted by `filter` (top-k first, then top-p over the
 * renormalised top-k, as vLLM applies them), by inversion of one uniform. Without a restriction it is
 * sampleId itself, so a seed draws the same tokens here as in generate().
 */
export function sampleIdFiltered(
  row: Float32Array,
  temperature: number,
  uniform: number,
  filter: SamplingFilter = {},
): number {
  const V = row.length;
  const k = filter.topK && filter.topK > 0 ? Math.min(filter.topK, V) : V;
  const p = filter.topP ?? 1;
  if (k >= V && p >= 1) return sampleId(row, temperature, uniform);
  const order = Array.from({ length: V }, (_, v) => v).sort((a, b) => row[b] - row[a] || a - b);
  const inv = 1 / temperature,
    m = row[order[0]];
  const weight = new Float64Array(k);
  let zK = 0;
  for (let i = 0; i < k; i++) zK += weight[i] = Math.exp((row[order[i]] - m) * inv);
  let kept = 0,
    mass = 0;
  while (kept < k && (kept === 0 || mass < p * zK)) mass += weight[kept++];
  const u = uniform * mass;
  let acc = 0;
  for (let i = 0; i < kept; i++) {
    acc += weight[i];
    if (acc > u) return order[i];
  }
  return order[kept - 1]; // u landed in the rounding gap at the top
}
