/** Fixed-width columns for the terminal tables (display width of code points, not UTF-16 units). */
import { visibleToken } from './output';

export const pad = (s: string, n: number): string => {
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
};

export const padStart = (s: string, n: number): string => {
  const len = [...s].length;
  return len >= n ? s : ' '.repeat(n - len) + s;
};

/** A number with fixed decimals, or — when it does not exist. */
export const num = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/** A token shown safely in a column of `width`. */
export const tokenCell = (text: string, width: number): string => pad([...visibleToken(text)].slice(0, width - 1).join(''), width);

/** One table row from cells and widths; numbers right-aligned when `right[i]`. */
export function row(cells: string[], widths: number[], right: boolean[] = []): string {
  return cells.map((c, i) => (right[i] ? padStart(c, widths[i]) : pad(c, widths[i]))).join(' ').trimEnd();
}
