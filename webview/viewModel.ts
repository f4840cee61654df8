/**
 * Pure view models for the panel: AnalysisResult → what each widget shows. No DOM, no chart.js, and no
 * measure computed: values are copied from the result; buckets come from core/scale.ts (the same function
 * the editor decorations use). The one derived series, Σ iota_t, is A_t + M_t by the definition of M_t
 * (measures.md, "Compensator"), not a new measurement.
 */
import { fitLength, visibleToken } from '../src/core/display';
import { finiteOrNull } from '../src/core/jsonValue';
import type { AnalysisResult, DiTokenRecord, TokenRecord } from '../src/core/result';
import { bucketLabel, bucketOf, SCALE_BUCKETS, SURPRISAL_EDGES } from '../src/core/scale';
import { formatBits, formatProbability, num } from '../src/core/units';
import type { FlowMatrix, StreamToken, StripMeasure } from '../src/extension/panel/panelProtocol';

export interface Row {
  label: string;
  value: string;
}

export interface StripToken {
  index: number;
  /** The token text made visible for the strip (core/display, 'strip'). */
  display: string;
  /** Scale bucket 0..SCALE_BUCKETS-1, or null when the measure does not exist (first token without BOS). */
  bucket: number | null;
  title: string;
  special: boolean;
  truncated: boolean;
}

/** One-line label for charts and heatmap axes (no line breaks, at most `max` characters). */
export const shortLabel = (text: string, max = 14): string => fitLength(visibleToken(text, 'label'), max);

export const measureOf = (t: TokenRecord, m: StripMeasure): number | null =>
  m === 'entropy' ? t.entropyBits : t.surprisalBits;

function tokenTitle(index: number, text: string, parts: string[]): string {
  return [`#${index} ${JSON.stringify(text)}`, ...parts].join(' · ');
}

export function stripTokens(result: AnalysisResult, measure: StripMeasure): StripToken[] {
  return result.tokens.map((t) => {
    const parts = [
      `surprisal ${formatBits(t.surprisalBits)}`,
      `entropy ${formatBits(t.entropyBits)}`,
      `p ${formatProbability(t.probability)}`,
      `rank ${t.rank ?? '—'}`,
    ];
    if (t.special) parts.push('special token');
    if (t.truncatedContext) parts.push('scored with a sliding window');
    return {
      index: t.index,
      display: visibleToken(t.text, 'strip'),
      bucket: bucketOf(measureOf(t, measure)),
      title: tokenTitle(t.index, t.text, parts),
      special: t.special === true,
      truncated: t.truncatedContext === true,
    };
  });
}

/** A streamed (generated) token in the strip, coloured by its surprisal. */
export function streamStripToken(t: StreamToken): StripToken {
  return {
    index: t.index,
    display: visibleToken(t.text, 'strip'),
    bucket: bucketOf(t.surprisalBits),
    title: tokenTitle(t.index, t.text, [
      `surprisal ${formatBits(t.surprisalBits)}`,
      `entropy ${formatBits(t.entropyBits)}`,
      `iota ${formatBits(t.iotaBits)}`,
    ]),
    special: false,
    truncated: false,
  };
}

export interface LegendItem {
  bucket: number | null;
  label: string;
}

/** One item per scale bucket (labels from core/scale.ts) plus the "no value" swatch. */
export function legendItems(): LegendItem[] {
  const items: LegendItem[] = [];
  for (let i = 0; i < SCALE_BUCKETS; i++) items.push({ bucket: i, label: bucketLabel(i, SURPRISAL_EDGES) });
  items.push({ bucket: null, label: 'no value' });
  return items;
}

/**
 * Auto settling on the CPU where no GPU works is no fallback (the status bar says the same): the row says auto
 * chose, and why no GPU is in the status bar's tooltip, not a paragraph in the summary.
 */
function deviceText(r: AnalysisResult): string {
  const m = r.model;
  if (m.requestedDevice === 'auto') return `${m.device} (chosen by auto)`;
  const parts: string[] = [];
  if (m.requestedDevice && m.requestedDevice !== m.device) parts.push(`requested ${m.requestedDevice}`);
  if (m.fallbackReason) parts.push(`fallback: ${m.fallbackReason}`);
  return parts.length ? `${m.device} (${parts.join('; ')})` : m.device;
}

/** The summary table: every value read from result.summary / model / di / flow / generation / comparison. */
export function summaryRows(r: AnalysisResult): Row[] {
  const s = r.summary;
  const rows: Row[] = [
    { label: 'Tokens', value: `${s.tokens} (${s.scoredTokens} scored)` },
    { label: 'Total', value: formatBits(s.totalBits, 1) },
    { label: 'Bits per token', value: formatBits(s.bitsPerToken, 3) },
    { label: 'Bits per byte', value: formatBits(s.bitsPerByte, 3) },
    { label: 'Bits per character', value: formatBits(s.bitsPerChar, 3) },
    { label: 'Perplexity', value: num(s.perplexity, 2) },
    { label: 'Mean entropy', value: formatBits(s.meanEntropyBits, 3) },
    { label: 'Model', value: r.model.id },
    { label: 'Device', value: deviceText(r) },
    { label: 'Dtype', value: String(r.model.dtype) },
  ];
  if (s.truncatedContextTokens > 0)
    rows.push({ label: 'Sliding-window tokens', value: String(s.truncatedContextTokens) });
  if (r.di) {
    const baseline =
      r.di.baseline === 'text' && r.di.baselineText !== undefined
        ? `text ${JSON.stringify(r.di.baselineText)}`
        : r.di.baseline;
    rows.push(
      { label: 'Baseline', value: baseline },
      { label: 'Directed information', value: formatBits(r.di.totalBits, 2) },
      { label: 'Compensator (Σ KL)', value: formatBits(r.di.totalKlBits, 2) },
    );
  }
  if (r.flow)
    rows.push({
      label: 'Flow',
      value: `${r.flow.sources.length} ${r.flow.unit} sources × ${r.flow.targets.length} targets, ${r.flow.method}${r.flow.complete === false ? ' (incomplete)' : ''}`,
    });
  if (r.generation) {
    const g = r.generation;
    const extra = [
      g.stopReason && `stop: ${g.stopReason}`,
      g.temperature !== undefined && `T=${g.temperature}`,
      g.seed !== undefined && `seed ${g.seed}`,
    ].filter(Boolean);
    rows.push({
      label: 'Generation',
      value: `${g.tokens.length} tokens, ${g.samples} samples${extra.length ? `, ${extra.join(', ')}` : ''}`,
    });
  }
  if (r.dialogue) {
    rows.push(
      { label: 'I(X → Y) user → assistant', value: formatBits(r.dialogue.userToAssistant.totalBits, 3) },
      { label: 'I(0Y → X) assistant → user', value: formatBits(r.dialogue.assistantToUser.totalBits, 3) },
      { label: 'Turns', value: String(r.dialogue.turns.length) },
    );
  }
  if (r.rateDistortion)
    rows.push({ label: 'Variants', value: r.rateDistortion.points.map((p) => p.variant).join(', ') });
  if (r.comparison) {
    rows.push(
      { label: 'Compared with', value: r.comparison.modelB.id },
      { label: 'KL to model B', value: formatBits(r.comparison.totalKlBits, 2) },
    );
    if (r.comparison.totalDeltaBits !== undefined)
      rows.push({ label: 'Δ bits (B − A)', value: formatBits(r.comparison.totalDeltaBits, 2) });
  }
  return rows;
}

/** Everything the result holds about one token, for the detail table under the strip. */
export function tokenDetailRows(r: AnalysisResult, index: number): Row[] {
  const t = r.tokens[index];
  if (!t) return [];
  const rows: Row[] = [
    { label: 'Token', value: `#${t.index} ${JSON.stringify(t.text)} (id ${t.id})` },
    { label: 'Surprisal', value: formatBits(t.surprisalBits, 3) },
    { label: 'Probability', value: formatProbability(t.probability) },
    {
      label: 'Entropy',
      value: t.entropyBoundsBits
        ? `${formatBits(t.entropyBoundsBits.lower, 3)} … ${formatBits(t.entropyBoundsBits.upper, 3)}`
        : formatBits(t.entropyBits, 3),
    },
    { label: 'Varentropy', value: t.varentropyBits2 === null ? '—' : `${num(t.varentropyBits2, 3)} bits²` },
    { label: 'Surprise − entropy', value: formatBits(t.surpriseExcessBits, 3) },
    { label: 'Rank', value: t.rank === null ? '—' : String(t.rank) },
  ];
  if (t.topK?.length)
    rows.push({
      label: 'Top alternatives',
      value: t.topK.map((a) => `${JSON.stringify(a.text)} ${formatBits(a.bits, 2)}`).join(', '),
    });
  const said = r.dialogue?.tokens.find((d) => d.index === t.index);
  if (said) {
    const turn = r.dialogue!.turns[said.turn];
    rows.push(
      {
        label: 'Turn',
        value: `${turn.message + 1} (${turn.role}), receiving from the ${said.direction === 'user-to-assistant' ? 'user' : 'assistant'}`,
      },
      { label: 'iota', value: formatBits(said.iotaBits, 3) },
      { label: 'KL to the baseline', value: formatBits(said.klBits, 3) },
      { label: 'Baseline surprisal', value: formatBits(said.baselineSurprisalBits, 3) },
    );
  }
  if (t.truncatedContext)
    rows.push({ label: 'Context', value: 'scored with a sliding window (the start of the text was out of view)' });
  if (t.special) rows.push({ label: 'Special', value: 'template/special token, excluded from the summary' });
  return rows;
}

export interface TokenSeries {
  labels: string[];
  /** result.tokens[i].index, for mapping a clicked point back to a token. */
  indices: number[];
  surprisal: (number | null)[];
  entropy: (number | null)[];
}

export function tokenSeries(r: AnalysisResult): TokenSeries {
  return {
    labels: r.tokens.map((t) => shortLabel(t.text)),
    indices: r.tokens.map((t) => t.index),
    surprisal: r.tokens.map((t) => t.surprisalBits),
    entropy: r.tokens.map((t) => t.entropyBits),
  };
}

export interface DiSeries {
  labels: string[];
  /** Σ_{k≤t} iota_k = A_t + M_t */
  sumIota: (number | null)[];
  /** A_t */
  compensator: (number | null)[];
  /** M_t */
  residual: (number | null)[];
  /** F(t), generation only. */
  expectedFlow: (number | null)[] | null;
}

const sumOrNull = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a + b);

/** Cumulative directed information from `di` (or, failing that, a generation's tokens); null when neither exists. */
export function diSeries(r: AnalysisResult): DiSeries | null {
  const records: DiTokenRecord[] | undefined = r.di?.tokens ?? r.generation?.tokens;
  if (!records || records.length === 0) return null;
  const compensator = records.map((t) => finiteOrNull(t.compensatorBits));
  const residual = records.map((t) => finiteOrNull(t.residualBits));
  return {
    labels: records.map((t) => shortLabel(t.text)),
    sumIota: compensator.map((a, i) => sumOrNull(a, residual[i])),
    compensator,
    residual,
    expectedFlow:
      !r.di && r.generation?.expectedFlowBits.length ? r.generation.expectedFlowBits.map(finiteOrNull) : null,
  };
}

export interface StreamPoint {
  label: string;
  surprisal: number | null;
  entropy: number | null;
  /** Null when the streamed token carries no compensator/residual. */
  di: { sumIota: number | null; compensator: number | null; residual: number | null } | null;
}

export function streamPoint(t: StreamToken): StreamPoint {
  const hasDi = t.compensatorBits !== null || t.residualBits !== null;
  return {
    label: shortLabel(t.text),
    surprisal: t.surprisalBits,
    entropy: t.entropyBits,
    di: hasDi
      ? {
          sumIota: sumOrNull(t.compensatorBits, t.residualBits),
          compensator: t.compensatorBits,
          residual: t.residualBits,
        }
      : null,
  };
}

export interface HeatmapModel {
  matrix: FlowMatrix;
  /** One per source unit (rows). */
  rowLabels: string[];
  /** One per target token (columns). */
  colLabels: string[];
  /** The token index of each column. */
  colTokens: number[];
  /** rows × cols in bits; null where the result has no value. */
  values: (number | null)[][];
  /** Largest |value|, for the colour scale and the threshold slider (0 when all are null). */
  maxAbs: number;
}

export function heatmapModel(r: AnalysisResult, matrix: FlowMatrix): HeatmapModel | null {
  const f = r.flow;
  if (!f || f.sources.length === 0 || f.targets.length === 0) return null;
  const m = matrix === 'expected' ? f.expectedBits : f.phiBits;
  let maxAbs = 0;
  const values = f.sources.map((_, i) =>
    f.targets.map((_, j) => {
      const v = finiteOrNull(m[i]?.[j]);
      if (v !== null && Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
      return v;
    }),
  );
  return {
    matrix,
    rowLabels: f.sources.map((s) => shortLabel(s.text, 18)),
    colLabels: f.targets.map((t) => shortLabel(r.tokens[t]?.text ?? `#${t}`)),
    colTokens: [...f.targets],
    values,
    maxAbs,
  };
}

/** The heatmap's colour key: what full colour means at each end, and how to read a cell. */
export interface HeatmapScale {
  /** Full negative colour (φ only), e.g. "−1.250 bits". */
  negative: string | null;
  /** Full positive colour. */
  positive: string;
  note: string;
}

export function heatmapScale(m: HeatmapModel): HeatmapScale {
  const max = m.maxAbs.toFixed(3);
  if (m.matrix === 'expected') {
    return {
      negative: null,
      positive: `${max} bits`,
      note: 'KL divergence: how much hiding the source (row) changes the prediction of the target (column). Stronger colour, larger change.',
    };
  }
  return {
    negative: `−${max} bits`,
    positive: `+${max} bits`,
    note: 'φ: how many bits the source (row) gave the observed target (column); below zero, the target was more likely without the source.',
  };
}

/** The line describing one cell, for the readout under the heatmap. */
export function heatmapCellText(m: HeatmapModel, row: number, col: number): string {
  const v = m.values[row]?.[col];
  if (v === undefined) return '';
  return `${m.rowLabels[row]} → ${m.colLabels[col]}: ${v === null ? 'no value' : formatBits(v, 3)}`;
}
