/** The terminal table, coloured by surprisal; JSON and CSV come from core/exportFormats. No measure is computed here. */
import type { AnalysisResult, TokenRecord } from '../core/result';
export { toCsv, toJson } from '../core/exportFormats';
import { bucketOf } from '../core/scale';

export type OutputFormat = 'json' | 'csv' | 'table';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'csv', 'table'];

// 256-colour backgrounds from green (predictable) to red (surprising), one per scale bucket.
const BUCKET_BG = [22, 28, 64, 100, 136, 166, 160, 124];

/** Token text with whitespace made visible, safe for a terminal (control characters escaped). */
export function visibleToken(text: string): string {
  return text
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/^ /, '·');
}

const fmt = (v: number | null, d = 2): string => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(d));
const fmtP = (p: number | null): string => (p === null ? '—' : p >= 1e-3 ? p.toFixed(4) : p.toExponential(1));
/** Entropy, or its bounds when a remote engine knows only the top-k. */
const fmtEntropy = (t: TokenRecord): string =>
  t.entropyBits !== null ? fmt(t.entropyBits) : t.entropyBoundsBits ? `${t.entropyBoundsBits.lower.toFixed(1)}–${t.entropyBoundsBits.upper.toFixed(1)}` : '—';
const pad = (s: string, n: number): string => {
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
};

export function toTable(result: AnalysisResult, o: { color: boolean }): string {
  const lines: string[] = [];
  const colour = (t: TokenRecord, s: string): string => {
    const b = bucketOf(t.surprisalBits);
    return o.color && b !== null ? `\x1b[48;5;${BUCKET_BG[b]}m\x1b[97m${s}\x1b[0m` : s;
  };
  lines.push(`${pad('#', 6)}${pad('token', 22)}${pad('bits', 8)}${pad('p', 9)}${pad('H bits', 10)}${pad('rank', 7)}top alternatives (bits)`);
  for (const t of result.tokens) {
    const tok = pad(visibleToken(t.text).slice(0, 20), 20);
    const alts = (t.topK ?? []).slice(0, 3).map((a) => `${visibleToken(a.text)} ${a.bits.toFixed(1)}`).join(', ');
    const flag = t.truncatedContext ? ' (window)' : '';
    lines.push(
      `${pad(String(t.index), 6)}${colour(t, tok)}  ${pad(fmt(t.surprisalBits), 8)}${pad(fmtP(t.probability), 9)}${pad(fmtEntropy(t), 10)}${pad(t.rank === null ? '—' : String(t.rank), 7)}${alts}${flag}`,
    );
  }
  const s = result.summary;
  lines.push('');
  const m = result.model;
  lines.push(`model ${m.id} on ${m.device} (${m.dtype}${m.requestedDevice === 'auto' ? ', chosen by auto' : ''})${m.fallbackReason && m.requestedDevice !== 'auto' ? `, fallback: ${m.fallbackReason}` : ''}`);
  lines.push(
    `${s.tokens} tokens, ${fmt(s.totalBits, 1)} bits total, ${fmt(s.bitsPerToken, 3)} bits/token, ${fmt(s.bitsPerChar, 3)} bits/char, ${fmt(s.bitsPerByte, 3)} bits/byte, perplexity ${fmt(s.perplexity, 1)}, mean entropy ${fmt(s.meanEntropyBits, 3)} bits`,
  );
  const rb = s.rankBuckets;
  lines.push(`rank 1: ${rb['1']}, 2–10: ${rb['2-10']}, 11–100: ${rb['11-100']}, 101–1000: ${rb['101-1000']}, >1000: ${rb['>1000']}` + (s.truncatedContextTokens ? `; ${s.truncatedContextTokens} tokens scored with a sliding window` : ''));
  return lines.join('\n') + '\n';
}
