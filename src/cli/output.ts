/** The terminal table, coloured by surprisal; JSON and CSV come from core/exportFormats. No measure is computed here. */
import type { AnalysisResult, TokenRecord, UnitAggregate } from '../core/result';
export { csvWriter, toCsv, toJson } from '../core/exportFormats';
import { collect, type ResultWriter, type TextOut } from '../core/resultWriter';
import { fitWidth } from '../core/displayWidth';
import { formatProbability, num } from '../core/units';
import { bucketOf } from '../core/scale';
import { fitLine, row, tokenCell, wrapItems } from './columns';

export type OutputFormat = 'json' | 'csv' | 'table';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'csv', 'table'];

// 256-colour backgrounds from green (predictable) to red (surprising), one per scale bucket.
const BUCKET_BG = [22, 28, 64, 100, 136, 166, 160, 124];

/** Entropy, or its bounds when a remote engine knows only the top-k. */
const fmtEntropy = (t: TokenRecord): string =>
  t.entropyBits !== null
    ? num(t.entropyBits)
    : t.entropyBoundsBits
      ? `${t.entropyBoundsBits.lower.toFixed(1)}–${t.entropyBoundsBits.upper.toFixed(1)}`
      : '—';

const W = [5, 20, 7, 8, 9, 6];
const RIGHT = [false, false, true, true, true, true];
/** Columns before the alternatives: the cells, the spaces between them and the one before the alternatives. */
const FIXED = W.reduce((a, w) => a + w + 1, 0) + 1;

/** Word or line aggregates: the unit's bits (the sum over its tokens) and its text. */
function unitLines(kind: string, units: readonly UnitAggregate[], width: number): string[] {
  const w = [5, 9, 7];
  return [
    '',
    `${kind} (${units.length}): bits = the sum over the unit's tokens`,
    row(['#', 'bits', 'tokens', `${kind.replace(/s$/, '')}`], [...w, 0], [false, true, true]),
    ...units.map((u, i) =>
      row(
        [
          String(i),
          num(u.surprisalBits),
          String(u.tokenEnd - u.tokenStart),
          tokenCell(u.text, Math.max(8, Math.min(60, width - 24))),
        ],
        [...w, 0],
        [false, true, true],
      ),
    ),
  ];
}

/** The table at `width` columns, row by row as tokens arrive: rows never wrap (alternatives are cut to fit), summaries break between items. */
export function tableWriter(out: TextOut, o: { color: boolean; width?: number }): ResultWriter {
  const width = o.width ?? Infinity;
  const colour = (t: TokenRecord, s: string): string => {
    const b = bucketOf(t.surprisalBits);
    return o.color && b !== null ? `\x1b[48;5;${BUCKET_BG[b]}m\x1b[97m${s}\x1b[0m` : s;
  };
  const write = (lines: string[]) => void out.write(lines.map((l) => l.trimEnd() + '\n').join(''));
  return {
    head: () =>
      write([
        row(['#', 'token', 'bits', 'p', 'H bits', 'rank'], W, RIGHT) +
          '  ' +
          fitWidth('top alternatives (bits)', Math.max(10, width - FIXED - 1)),
      ]),
    token(t) {
      const alts =
        (t.topK ?? [])
          .slice(0, 3)
          .map((a) => `${tokenCell(a.text, 24).trimEnd()} ${a.bits.toFixed(1)}`)
          .join(', ') + (t.truncatedContext ? ' (window)' : '');
      // The token cell is padded before colouring; the row must not count the colour codes as width.
      const cells = [
        String(t.index),
        colour(t, tokenCell(t.text, W[1])),
        num(t.surprisalBits),
        formatProbability(t.probability),
        fmtEntropy(t),
        t.rank === null ? '—' : String(t.rank),
      ];
      write([row(cells, [W[0], 0, ...W.slice(2)], RIGHT) + '  ' + fitWidth(alts, Math.max(10, width - FIXED - 1))]);
    },
    tail(result) {
      const s = result.summary;
      const m = result.model;
      const rb = s.rankBuckets;
      write([
        '',
        ...fitLine(
          `model ${m.id} on ${m.device} (${m.dtype}${m.requestedDevice === 'auto' ? ', chosen by auto' : ''})${m.fallbackReason && m.requestedDevice !== 'auto' ? `, fallback: ${m.fallbackReason}` : ''}`,
          width,
        ),
        ...wrapItems(
          [
            `${s.tokens} tokens`,
            `${num(s.totalBits, 1)} bits total`,
            `${num(s.bitsPerToken, 3)} bits/token`,
            `${num(s.bitsPerChar, 3)} bits/char`,
            `${num(s.bitsPerByte, 3)} bits/byte`,
            `perplexity ${num(s.perplexity, 1)}`,
            `mean entropy ${num(s.meanEntropyBits, 3)} bits`,
          ],
          width,
        ),
        ...wrapItems(
          [
            `rank 1: ${rb['1']}`,
            `2–10: ${rb['2-10']}`,
            `11–100: ${rb['11-100']}`,
            `101–1000: ${rb['101-1000']}`,
            `>1000: ${rb['>1000']}`,
          ],
          width,
        ),
        ...(s.truncatedContextTokens ? [`${s.truncatedContextTokens} tokens scored with a sliding window`] : []),
        ...(result.words ? unitLines('words', result.words, width) : []),
        ...(result.lines ? unitLines('lines', result.lines, width) : []),
      ]);
    },
  };
}

export const toTable = (result: AnalysisResult, o: { color: boolean; width?: number }): string =>
  collect((out) => tableWriter(out, o), result);
