/** JSON and CSV exports of a result, shared by the CLI and the extension's Export command; streamed by the CLI. */
import type { AnalysisResult, UnitAggregate } from './result';
import { collect, jsonWriter, type ResultWriter, type TextOut } from './resultWriter';

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** For each token index, the unit (word or line) holding it and that unit's bits; null before the first. */
function unitOfToken(units: readonly UnitAggregate[], tokens: number): ({ unit: number; bits: number } | null)[] {
  const of: ({ unit: number; bits: number } | null)[] = new Array(tokens).fill(null);
  units.forEach((u, i) => {
    for (let k = Math.max(0, u.tokenStart); k < u.tokenEnd; k++) of[k] = { unit: i, bits: u.surprisalBits };
  });
  return of;
}

const CSV_HEAD = [
  'index',
  'id',
  'start',
  'end',
  'text',
  'surprisal_bits',
  'probability',
  'entropy_bits',
  'varentropy_bits2',
  'surprise_excess_bits',
  'rank',
  'truncated_context',
  'top1_text',
  'top1_bits',
];

type UnitColumns = { kind: 'word' | 'line'; byToken: ({ unit: number; bits: number } | null)[] };

/** The word and line columns of a finished result with --units (none without). */
function unitColumns(result: AnalysisResult): UnitColumns[] {
  return (['word', 'line'] as const)
    .map((kind) => ({ kind, of: kind === 'word' ? result.words : result.lines }))
    .filter((u): u is { kind: 'word' | 'line'; of: UnitAggregate[] } => u.of !== undefined)
    .map((u) => ({ kind: u.kind, byToken: unitOfToken(u.of, result.tokens.length) }));
}

/** One CSV row per token; with word and line aggregates, each row also names its word and line and their bits. */
export function csvWriter(out: TextOut, units: UnitColumns[] = []): ResultWriter {
  let i = 0;
  return {
    head: () => void out.write([...CSV_HEAD, ...units.flatMap((u) => [u.kind, `${u.kind}_bits`])].join(',') + '\n'),
    token(t) {
      const cells = [
        t.index,
        t.id,
        t.start,
        t.end,
        t.text,
        t.surprisalBits,
        t.probability,
        t.entropyBits,
        t.varentropyBits2,
        t.surpriseExcessBits,
        t.rank,
        t.truncatedContext ? 1 : 0,
        t.topK?.[0]?.text,
        t.topK?.[0]?.bits,
      ];
      out.write(
        [...cells, ...units.flatMap((u) => [u.byToken[i]?.unit, u.byToken[i]?.bits])].map(csvCell).join(',') + '\n',
      );
      i++;
    },
    tail: () => {},
  };
}

export const toCsv = (result: AnalysisResult): string => collect((out) => csvWriter(out, unitColumns(result)), result);

/** Pretty JSON of the whole result, newline-terminated. */
export const toJson = (result: AnalysisResult): string => collect(jsonWriter, result);
