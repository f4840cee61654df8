/** JSON and CSV exports of a result, shared by the CLI and the extension's Export command. */
import { resultToJson, type AnalysisResult } from './result';

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(result: AnalysisResult): string {
  const head = ['index', 'id', 'start', 'end', 'text', 'surprisal_bits', 'probability', 'entropy_bits', 'varentropy_bits2', 'surprise_excess_bits', 'rank', 'truncated_context', 'top1_text', 'top1_bits'];
  const rows = result.tokens.map((t) =>
    [t.index, t.id, t.start, t.end, t.text, t.surprisalBits, t.probability, t.entropyBits, t.varentropyBits2, t.surpriseExcessBits, t.rank, t.truncatedContext ? 1 : 0, t.topK?.[0]?.text, t.topK?.[0]?.bits]
      .map(csvCell)
      .join(','),
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}

/** Pretty JSON of the whole result, newline-terminated. */
export const toJson = (result: AnalysisResult): string => resultToJson(result, 2) + '\n';

