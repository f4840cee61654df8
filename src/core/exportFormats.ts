/** JSON and CSV exports of a result, shared by the CLI and the extension's Export command. */
import { resultToJson, type AnalysisResult, type UnitAggregate } from './result';

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

/** One row per token; with word and line aggregates (--units), each row also names its word and line and their bits. */
export function toCsv(result: AnalysisResult): string {
  const units = (['word', 'line'] as const)
    .map((kind) => ({ kind, of: kind === 'word' ? result.words : result.lines }))
    .filter((u): u is { kind: 'word' | 'line'; of: UnitAggregate[] } => u.of !== undefined)
    .map((u) => ({ kind: u.kind, byToken: unitOfToken(u.of, result.tokens.length) }));
  const head = ['index', 'id', 'start', 'end', 'text', 'surprisal_bits', 'probability', 'entropy_bits', 'varentropy_bits2', 'surprise_excess_bits', 'rank', 'truncated_context', 'top1_text', 'top1_bits', ...units.flatMap((u) => [u.kind, `${u.kind}_bits`])];
  const rows = result.tokens.map((t, i) =>
    [
      t.index, t.id, t.start, t.end, t.text, t.surprisalBits, t.probability, t.entropyBits, t.varentropyBits2, t.surpriseExcessBits, t.rank, t.truncatedContext ? 1 : 0, t.topK?.[0]?.text, t.topK?.[0]?.bits,
      ...units.flatMap((u) => [u.byToken[i]?.unit, u.byToken[i]?.bits]),
    ]
      .map(csvCell)
      .join(','),
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}

/** Pretty JSON of the whole result, newline-terminated. */
export const toJson = (result: AnalysisResult): string => resultToJson(result, 2) + '\n';

