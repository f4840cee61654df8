/**
 * Pure: the hover Markdown for one analysed token, and the "Analyze this" hover. Document text is data:
 * every character Markdown or HTML could interpret is escaped, so `<img src=x onerror=alert(1)>` shows
 * as those characters. The only links are command links to the commands in HOVER_COMMANDS.
 */
import { fitLength, visibleToken } from '../core/display';
import type { AnalysisResult, TokenRecord } from '../core/result';
import { formatBits, formatProbability } from '../core/units';
import { CommandId } from './commandIds';

/** The commands hover links may run (MarkdownString.isTrusted.enabledCommands). */
export const HOVER_COMMANDS: readonly string[] = [CommandId.revealToken, CommandId.analyzeRange];

const MD_SPECIAL = /[\\`*_{}[\]()#+\-.!|~>]/g;
const HTML_SPECIAL: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe to put in Markdown as plain characters (no emphasis, links, HTML, icons or entities). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => HTML_SPECIAL[c])
    .replace(MD_SPECIAL, '\\$&')
    .replace(/\$\(/g, '$\\(');
}

/** A token's text for a hover: made visible for Markdown, escaped, at most `max` characters. */
export const tokenDisplay = (text: string, max = 60): string =>
  escapeMarkdown(fitLength(visibleToken(text, 'markdown'), max));

export const commandLink = (label: string, command: string, args: unknown, title = label): string =>
  `[${escapeMarkdown(label)}](command:${command}?${encodeURIComponent(JSON.stringify([args]))} "${title.replace(/"/g, "'")}")`;

function flowLines(result: AnalysisResult, t: TokenRecord): string[] {
  const flow = result.flow;
  const col = flow ? flow.targets.indexOf(t.index) : -1;
  if (!flow || col < 0) return [];
  const incoming = flow.sources
    .map((s, i) => ({ s, bits: flow.phiBits[i]?.[col] }))
    .filter((x) => Number.isFinite(x.bits) && x.bits !== 0)
    .sort((a, b) => Math.abs(b.bits) - Math.abs(a.bits))
    .slice(0, 3);
  if (incoming.length === 0) return ['', 'No flow into this token from earlier units.'];
  return [
    '',
    '**Strongest incoming flow**',
    '',
    ...incoming.map((x) => `- “${tokenDisplay(x.s.text, 30)}” → ${escapeMarkdown(formatBits(x.bits, 3))}`),
  ];
}

function diLines(result: AnalysisResult, t: TokenRecord): string[] {
  const di = result.di;
  const d = di?.tokens.find((x) => x.start === t.start && x.end === t.end);
  if (!di || !d) return [];
  const share =
    di.totalBits !== 0 && Number.isFinite(di.totalBits)
      ? ` (${((100 * d.iotaBits) / di.totalBits).toFixed(1)}% of ${escapeMarkdown(formatBits(di.totalBits))})`
      : '';
  return ['', `**Directed information** from the prompt: ${escapeMarkdown(formatBits(d.iotaBits, 3))}${share}`];
}

/** Hover Markdown for `result.tokens[i]` of the document `uri`. */
export function hoverText(result: AnalysisResult, i: number, uri: string): string {
  const t = result.tokens[i];
  const lines = [
    `**Semantic Flow** · token ${t.index} · “${tokenDisplay(t.text)}” · id ${t.id}${t.special ? ' · special' : ''}`,
    '',
    '| | |',
    '|---|---|',
    `| surprisal | ${escapeMarkdown(formatBits(t.surprisalBits))} |`,
    `| probability | ${escapeMarkdown(formatProbability(t.probability))} |`,
    `| entropy | ${escapeMarkdown(t.entropyBoundsBits ? `${formatBits(t.entropyBoundsBits.lower)} to ${formatBits(t.entropyBoundsBits.upper)}` : formatBits(t.entropyBits))} |`,
    `| rank | ${t.rank ?? '—'} |`,
  ];
  if (t.surprisalBits === null && !t.special)
    lines.push('', 'No prediction: the first token has no context (the model has no BOS).');
  if (t.truncatedContext) lines.push('', 'Scored with a sliding window that no longer sees the start of the text.');
  if (t.topK && t.topK.length > 0) {
    lines.push('', '**Top alternatives**', '', '| token | p | bits |', '|---|---|---|');
    for (const k of t.topK)
      lines.push(
        `| “${tokenDisplay(k.text, 30)}”${k.id === t.id ? ' ✓' : ''} | ${escapeMarkdown(formatProbability(k.probability))} | ${escapeMarkdown(k.bits.toFixed(2))} |`,
      );
  }
  lines.push(...flowLines(result, t), ...diLines(result, t));
  lines.push(
    '',
    commandLink(
      'Reveal in panel',
      CommandId.revealToken,
      { uri, tokenIndex: t.index },
      'Show this token in the Semantic Flow panel',
    ),
  );
  return lines.join('\n');
}

/** Hover Markdown offering to analyse an unanalysed string literal or paragraph. */
export function analyzeThisText(
  uri: string,
  range: { start: number; end: number; kind: 'string' | 'paragraph' },
): string {
  const what = range.kind === 'string' ? 'this string' : 'this paragraph';
  return `**Semantic Flow** · ${commandLink(`Analyze ${what}`, CommandId.analyzeRange, { uri, start: range.start, end: range.end }, `Score ${what} token by token`)}`;
}
