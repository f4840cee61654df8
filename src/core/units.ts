/** Bits, and numbers written for people: one formatter per kind of quantity, shared by every view. */

/** Natural log of 2: divide nats by it to get bits (measures.md, "Conventions"). */
export const LN2 = Math.LN2;

/** A number with fixed decimals, or — when it does not exist. */
export const num = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

/** Formats a quantity in bits with its unit, e.g. "3.21 bits". */
export function formatBits(bits: number | null | undefined, digits = 2): string {
  const n = num(bits, digits);
  return n === '—' ? n : `${n} bits`;
}

/** A probability in at most 7 characters: 4 decimals, or 3 significant digits below 0.001 (1.23e-5). */
export function formatProbability(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p === 0) return '0';
  if (p < 1e-3) return p.toExponential(2);
  return p.toFixed(4);
}

/** Bytes for people: decimal units as download pages show them (165 MB, 1.45 GB). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000,
    i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}
