/** Natural log of 2: divide nats by it to get bits (measures.md, "Conventions"). */
export const LN2 = Math.LN2;

/** Formats a quantity in bits with its unit, e.g. "3.21 bits". */
export function formatBits(bits: number | null | undefined, digits = 2): string {
  if (bits === null || bits === undefined || !Number.isFinite(bits)) return '—';
  return `${bits.toFixed(digits)} bits`;
}

export function formatProbability(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p === 0) return '0';
  if (p < 1e-3) return p.toExponential(2);
  return p.toFixed(4);
}
