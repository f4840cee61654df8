/**
 * Layout of the terminal tables: cells padded and cut by display width (core/display), rows, and
 * lines that fit the terminal by breaking between items, never inside a number.
 */
import { visibleToken } from '../core/display';
import { displayWidth, fitWidth, padEnd, padStart } from '../core/displayWidth';
import type { CliIo } from './io';

export { num } from '../core/units';

/** Columns of the terminal output goes to (its width, or $COLUMNS); Infinity for a pipe or a file. */
export function outputWidth(io: Pick<CliIo, 'stdout' | 'env'>): number {
  const fromEnv = Number(io.env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return io.stdout.isTTY ? (io.stdout.columns ?? 80) : Infinity;
}

/** A token shown safely in a column of `width` display columns. */
export const tokenCell = (text: string, width: number): string =>
  padEnd(fitWidth(visibleToken(text), width - 1), width);

/** One table row from cells and widths; numbers right-aligned when `right[i]`. */
export function row(cells: string[], widths: number[], right: boolean[] = []): string {
  return cells
    .map((c, i) => (right[i] ? padStart(c, widths[i]) : padEnd(c, widths[i])))
    .join(' ')
    .trimEnd();
}

/**
 * Items joined by `sep`, broken into lines of at most `width` columns between items (a line longer
 * than that holds one item); later lines are indented by `indent`.
 */
export function wrapItems(items: string[], width: number, sep = ', ', indent = '  '): string[] {
  const lines: string[] = [];
  let line = '';
  const end = sep.trimEnd();
  for (const item of items) {
    const next = line ? line + sep + item : item;
    if (line && displayWidth(next) + end.length > width) {
      lines.push(line + end);
      line = indent + item;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A table that fits `width`: the leading columns that fit are laid out in a row, the others follow
 * on an indented line of `name: value` items.
 */
export function fitTable(head: string[], rows: string[][], width: number, gap = '  '): string[] {
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  let shown = head.length,
    total = widths.reduce((a, w) => a + w, 0) + gap.length * (head.length - 1);
  while (shown > 1 && total > width) {
    shown--;
    total -= widths[shown] + gap.length;
  }
  const line = (cells: string[]) =>
    cells
      .slice(0, shown)
      .map((c, i) => (i === shown - 1 ? c : padEnd(c, widths[i])))
      .join(gap)
      .trimEnd();
  const rest = (cells: string[]) =>
    shown < head.length
      ? wrapItems(
          cells.slice(shown).map((c, i) => `${head[shown + i]}: ${c}`),
          width - 4,
          '; ',
          '',
        ).map((l) => `    ${l}`)
      : [];
  return [line(head), ...rows.flatMap((r) => [line(r), ...rest(r)])];
}

/** A summary line broken to fit `width`: between its `; ` items, then between `, ` items. */
export function fitLine(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  return wrapItems(line.split('; '), width, '; ').flatMap((l) =>
    displayWidth(l) <= width ? [l] : wrapItems(l.split(', '), width),
  );
}
