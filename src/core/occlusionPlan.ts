/**
 * What an occlusion-flow run will compute, known before any pass runs (measures.md, "Token-to-token
 * flow by occlusion"): the source units, the target tokens, which occluded passes are batched
 * together from which shared clean prefix, and the cost in passes and token-steps.
 *
 * Occluding unit j changes nothing before it, so its pass starts from the clean KV cache at the
 * unit's first position and feeds only the rest: about n²/2 token-steps for all n tokens, not n².
 * Units whose starts are close share one batched pass from the earliest start (the few re-fed clean
 * tokens cost less than a separate call).
 */
import { SemanticFlowError } from './errors';
import { tokenRangeOf, type TextRange } from './directedInput';
import type { FlowResult } from './result';
import type { ScoringModel, TokenizedText } from './scoringModel';
import { aggregateUnits, type UnitKind } from './summary';
import { blankRecord } from './tokenRecords';

export type FlowUnit = 'token' | UnitKind;
export type OcclusionMethod = FlowResult['method'];

export interface OcclusionPlanOptions {
  /** Source granularity (default token); ignored when `spans` is given. */
  unit?: FlowUnit;
  /** User-chosen source spans (UTF-16 ranges of the text). */
  spans?: TextRange[];
  /** Target tokens: those holding a character of this range (default: the whole text). */
  targetRange?: TextRange;
  method?: OcclusionMethod;
  /** Token put in place of each occluded token by `replace` (default: the token of " "). */
  neutralTokenId?: number;
  bos?: boolean;
  /** Start occluded passes from the clean KV cache of the unchanged prefix (default true). */
  reuse?: boolean;
  /** Most occluded passes per batched forward (default 8; 1 when the model cannot tile a cache). */
  maxBatch?: number;
  /** Token budget of a batched forward: passes of L tokens are batched at most batchTokens / L at a time (default 192). */
  batchTokens?: number;
}

export interface OcclusionSource {
  start: number;
  end: number;
  text: string;
  /** Token index range [tokenStart, tokenEnd). */
  tokenStart: number;
  tokenEnd: number;
}

export interface OcclusionBatch {
  /** Sequence position where the batch's passes start (their shared clean prefix is [0, s0)). */
  s0: number;
  /** Source indices, by start position. */
  units: number[];
}

export interface OcclusionCost {
  sources: number;
  targets: number;
  /** Matrix cells that need a computation (target after its source). */
  cells: number;
  /** Batched occluded passes plus the clean pass. */
  passes: number;
  /** Token positions fed to the model in all passes, clean pass included. */
  tokenSteps: number;
  /** The same matrix from one full pass per source, without reusing the prefix. */
  independentTokenSteps: number;
}

export interface OcclusionPlan {
  text: string;
  tok: TokenizedText;
  seq: number[];
  /** Sequence position of token 0 (1 with BOS). */
  off: number;
  unit: FlowResult['unit'];
  method: OcclusionMethod;
  neutralTokenId: number;
  sources: OcclusionSource[];
  targets: number[];
  /** Last sequence position any occluded pass feeds (the row predicting the last target). */
  lastRow: number;
  batches: OcclusionBatch[];
  /** Sources with no target after them: their rows are 0 without a pass. */
  idle: number[];
  reuse: boolean;
  cost: OcclusionCost;
}

export const DEFAULT_FLOW_UNIT: FlowUnit = 'token';
export const DEFAULT_OCCLUSION_METHOD: OcclusionMethod = 'attention-mask';
export const DEFAULT_MAX_BATCH = 8;
// Measured on CPU (bench/flow.ts): a batch of short passes saves the per-call overhead, while a batch
// of long passes costs more than the passes one by one (attention memory grows with batch × length²).
export const DEFAULT_BATCH_TOKENS = 192;

function sourcesOf(
  model: ScoringModel,
  text: string,
  tok: TokenizedText,
  o: OcclusionPlanOptions,
): { unit: FlowResult['unit']; sources: OcclusionSource[] } {
  if (o.spans) {
    const sources = o.spans.map((s, i) => {
      if (
        !(
          Number.isInteger(s.start) &&
          Number.isInteger(s.end) &&
          0 <= s.start &&
          s.start < s.end &&
          s.end <= text.length
        )
      ) {
        throw new SemanticFlowError(
          'bad-argument',
          `Source span ${i + 1} (${s.start}–${s.end}) is empty or outside the text (0–${text.length}).`,
        );
      }
      const r = tokenRangeOf(tok.spans, s);
      if (r.end <= r.begin)
        throw new SemanticFlowError('bad-argument', `Source span ${i + 1} (${s.start}–${s.end}) holds no token.`);
      return { start: s.start, end: s.end, text: text.slice(s.start, s.end), tokenStart: r.begin, tokenEnd: r.end };
    });
    return { unit: 'span', sources };
  }
  const unit = o.unit ?? DEFAULT_FLOW_UNIT;
  const records = tok.ids.map((_, i) => blankRecord(tok, i, text, model, i));
  if (unit === 'token') {
    return {
      unit,
      sources: records.map((t) => ({
        start: t.start,
        end: t.end,
        text: t.text,
        tokenStart: t.index,
        tokenEnd: t.index + 1,
      })),
    };
  }
  const sources = aggregateUnits(records, text, unit)
    .filter((u) => u.tokenStart >= 0)
    .map((u) => ({ start: u.start, end: u.end, text: u.text, tokenStart: u.tokenStart, tokenEnd: u.tokenEnd }));
  return { unit, sources };
}

/** Feed length of an occluded pass for a source from `s0` to `lastRow` (delete drops the unit). */
export const feedLength = (s: OcclusionSource, s0: number, lastRow: number, method: OcclusionMethod): number =>
  lastRow - s0 + 1 - (method === 'delete' ? s.tokenEnd - s.tokenStart : 0);

export function planOcclusion(model: ScoringModel, text: string, o: OcclusionPlanOptions = {}): OcclusionPlan {
  if (text.length === 0) throw new SemanticFlowError('bad-input', 'There is no text to analyze: the input is empty.');
  const method = o.method ?? DEFAULT_OCCLUSION_METHOD;
  const tok = model.tokenize(text);
  const bosId = model.info.bosTokenId;
  const off = (o.bos ?? true) && bosId !== null ? 1 : 0;
  const seq = [...(off ? [bosId as number] : []), ...tok.ids];
  const W = model.info.contextWindow ?? Infinity;
  if (seq.length > W) {
    throw new SemanticFlowError(
      'too-large',
      `Occlusion flow needs the whole text in one context window: the text is ${seq.length} tokens${off ? ' with BOS' : ''}, the model's window ${W}. Select a shorter text.`,
    );
  }
  const { unit, sources } = sourcesOf(model, text, tok, o);
  const tr = o.targetRange ? tokenRangeOf(tok.spans, o.targetRange) : { begin: 0, end: tok.ids.length };
  const targets: number[] = [];
  for (let t = Math.max(tr.begin, 1 - off); t < tr.end; t++) targets.push(t);
  if (targets.length === 0)
    throw new SemanticFlowError('bad-argument', 'The target range holds no token that has a prediction.');
  const lastRow = targets[targets.length - 1] + off - 1;
  const neutralTokenId = o.neutralTokenId ?? model.tokenize(' ').ids[0] ?? model.info.eosTokenId ?? 0;
  const reuse = o.reuse ?? true;
  const maxBatch = model.tileCache ? Math.max(1, o.maxBatch ?? DEFAULT_MAX_BATCH) : 1;
  const batchTokens = o.batchTokens ?? DEFAULT_BATCH_TOKENS;

  const lastTarget = targets[targets.length - 1];
  const active: number[] = [],
    idle: number[] = [];
  sources.forEach((s, j) => (s.tokenEnd <= lastTarget ? active : idle).push(j));
  active.sort((a, b) => sources[a].tokenStart - sources[b].tokenStart || a - b);

  const batches: OcclusionBatch[] = [];
  for (const j of active) {
    const start = sources[j].tokenStart + off;
    const cur = batches[batches.length - 1];
    // A unit joins the open batch when the clean tokens it must re-feed are few next to its own pass.
    const refeed = cur ? start - cur.s0 : Infinity;
    const longest = cur ? lastRow - cur.s0 + 1 : 0;
    const room = Math.min(maxBatch, Math.max(1, Math.floor(batchTokens / Math.max(1, longest))));
    if (cur && cur.units.length < room && (!reuse || refeed <= 0.25 * feedLength(sources[j], start, lastRow, method)))
      cur.units.push(j);
    else batches.push({ s0: reuse ? start : 0, units: [j] });
  }

  let cells = 0;
  for (const j of active) cells += targets.filter((t) => t >= sources[j].tokenEnd).length;
  let tokenSteps = seq.length - 1,
    independentTokenSteps = seq.length - 1;
  for (const b of batches) {
    tokenSteps += b.units.length * Math.max(...b.units.map((j) => feedLength(sources[j], b.s0, lastRow, method)));
  }
  for (const j of active) independentTokenSteps += feedLength(sources[j], 0, lastRow, method);
  return {
    text,
    tok,
    seq,
    off,
    unit,
    method,
    neutralTokenId,
    sources,
    targets,
    lastRow,
    batches,
    idle,
    reuse,
    cost: {
      sources: sources.length,
      targets: targets.length,
      cells,
      passes: batches.length + 1,
      tokenSteps,
      independentTokenSteps,
    },
  };
}

/** The cost of an occlusion-flow run, from tokenization alone (no pass runs). */
export function estimateOcclusionCost(model: ScoringModel, text: string, o: OcclusionPlanOptions = {}): OcclusionCost {
  return planOcclusion(model, text, o).cost;
}
