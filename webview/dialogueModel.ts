/**
 * Pure view model of a dialogue result (measures.md, "Directed information in a dialogue"): the two
 * cumulative curves across turns, the per-turn table, the conservation line and the transcript strip
 * coloured by iota. Values are read from result.dialogue; a direction's curve keeps its last value through
 * the other side's turns, and M is cumulative − A by its definition.
 */
import { visibleToken } from '../src/core/display';
import type { AnalysisResult, DialogueTokenRecord, DialogueTurn } from '../src/core/result';
import { bucketLabel, bucketOf, SCALE_BUCKETS, SIGNED_EDGES } from '../src/core/scale';
import { formatBits } from '../src/core/units';
import type { LegendItem, StripToken } from './viewModel';
import { shortLabel } from './viewModel';

export interface DialogueCurves {
  /** One label per turn: "2 user". */
  labels: string[];
  /** I(X → Y) and its compensator; I(0Y → X) and its compensator, cumulative after each turn. */
  toAssistant: number[];
  toAssistantKl: number[];
  toUser: number[];
  toUserKl: number[];
}

const ROLE_DIRECTION: Record<string, 'toAssistant' | 'toUser' | null> = {
  assistant: 'toAssistant',
  user: 'toUser',
  system: null,
};

export function dialogueCurves(r: AnalysisResult): DialogueCurves | null {
  const d = r.dialogue;
  if (!d || d.turns.length === 0) return null;
  const last = { toAssistant: 0, toAssistantKl: 0, toUser: 0, toUserKl: 0 };
  const out: DialogueCurves = { labels: [], toAssistant: [], toAssistantKl: [], toUser: [], toUserKl: [] };
  for (const t of d.turns) {
    const dir = ROLE_DIRECTION[t.role];
    if (dir) {
      last[dir] = t.cumulativeBits;
      last[`${dir}Kl`] = t.cumulativeKlBits;
    }
    out.labels.push(`${t.message + 1} ${t.role}`);
    out.toAssistant.push(last.toAssistant);
    out.toAssistantKl.push(last.toAssistantKl);
    out.toUser.push(last.toUser);
    out.toUserKl.push(last.toUserKl);
  }
  return out;
}

const DIRECTION_TEXT = { user: 'assistant → user', assistant: 'user → assistant', system: 'template' } as const;

/** Cells of the per-turn table, in the order of its header. */
export function turnRows(r: AnalysisResult): string[][] {
  const d = r.dialogue;
  if (!d) return [];
  return d.turns.map((t) => [
    String(t.message + 1),
    t.role,
    shortLabel(r.text.slice(t.start, t.end), 40),
    String(t.tokenEnd - t.tokenStart),
    formatBits(t.bits, 2),
    formatBits(t.baselineBits, 2),
    t.role === 'system' ? '—' : formatBits(t.iotaBits, 3),
    t.role === 'system' ? '—' : formatBits(t.cumulativeBits, 3),
    DIRECTION_TEXT[t.role],
  ]);
}

/** The directions' totals and the conservation check, one line each. */
export function dialogueLines(r: AnalysisResult): string[] {
  const d = r.dialogue;
  if (!d) return [];
  const c = d.conservation;
  const dir = (name: string, x: typeof d.userToAssistant) =>
    `${name} = ${formatBits(x.totalBits, 3)} (compensator ${formatBits(x.totalKlBits, 3)}, residual ${formatBits(x.totalResidualBits, 3)})`;
  const baseline =
    d.baseline === 'neutral'
      ? "the other side's turns left empty"
      : `the other side's turns replaced by ${JSON.stringify(d.baselineText ?? '')}`;
  return [
    dir('I(X → Y), user → assistant', d.userToAssistant),
    dir('I(0Y → X), assistant → user', d.assistantToUser),
    `Conservation: î(X;Y) = ${formatBits(c.mutualInformationBits, 6)}, sum of the two = ${formatBits(c.directedSumBits, 6)}, gap ${c.gapBits.toExponential(2)} bits${c.exact ? ' (exact)' : ' (not exact)'}. ${c.note}`,
    `Baseline: ${baseline}. Template tokens: ${formatBits(c.templateBits, 2)}, neither side's.`,
  ];
}

/** Every token of the templated transcript; content tokens coloured by iota, template tokens without a value. */
export function dialogueStrip(r: AnalysisResult): StripToken[] {
  const d = r.dialogue;
  if (!d) return [];
  const byIndex = new Map<number, DialogueTokenRecord>(d.tokens.map((t) => [t.index, t]));
  const turnOf = (i: number): DialogueTurn | undefined => d.turns.find((t) => t.tokenStart <= i && i < t.tokenEnd);
  return r.tokens.map((t) => {
    const rec = byIndex.get(t.index);
    const turn = turnOf(t.index);
    const where = turn ? `turn ${turn.message + 1} (${turn.role})` : 'template';
    const parts = rec
      ? [
          where,
          `iota ${formatBits(rec.iotaBits, 3)} from the ${rec.direction === 'user-to-assistant' ? 'user' : 'assistant'}`,
          `KL ${formatBits(rec.klBits, 3)}`,
          `surprisal ${formatBits(rec.surprisalBits, 2)} (baseline ${formatBits(rec.baselineSurprisalBits, 2)})`,
        ]
      : [where, `surprisal ${formatBits(t.surprisalBits, 2)}`];
    return {
      index: t.index,
      display: visibleToken(t.text, 'strip'),
      bucket: rec && !rec.special ? bucketOf(rec.iotaBits, SIGNED_EDGES) : null,
      title: [`#${t.index} ${JSON.stringify(t.text)}`, ...parts].join(' · '),
      special: t.special === true,
      truncated: t.truncatedContext === true,
    };
  });
}

/** The iota scale: one item per bucket of SIGNED_EDGES, and the template's "no value". */
export function iotaLegend(): LegendItem[] {
  const items: LegendItem[] = [];
  for (let i = 0; i < SCALE_BUCKETS; i++) items.push({ bucket: i, label: bucketLabel(i, SIGNED_EDGES) });
  items.push({ bucket: null, label: 'template (no iota)' });
  return items;
}
