/**
 * Token-to-token flow by occlusion (measures.md, "Token-to-token flow by occlusion"):
 *   phi[j][t] = log2 p(x_t | x<t) − log2 p(x_t | x<t, unit j occluded)
 *   expected[j][t] = KL(p(.|x<t) || p(.|x<t, j occluded))
 * One clean pass gives the reference rows and the KV cache of every unchanged prefix; each occluded
 * pass starts from that cache (see occlusionPlan.ts). Method `attention-mask` keeps the unit's tokens
 * with mask 0 and every position id unchanged; `replace` feeds a neutral token instead; `delete`
 * drops the unit and the positions close up. Cells with t inside or before unit j are exactly 0
 * (identity 7) and are never computed.
 *
 * The target right after the unit is predicted, under occlusion, from the row of the last visible
 * token before the unit: with the mask method the unit's own last row would still carry its token
 * through the residual stream, so the mask alone cannot hide it there.
 */
import { throwIfAborted } from './errors';
import { deviceComparer, jsComparer } from './flowComparers';
import type { KlKernelKind } from './klKernel';
import {
  feedLength,
  planOcclusion,
  type OcclusionCost,
  type OcclusionPlan,
  type OcclusionPlanOptions,
} from './occlusionPlan';
import type { AnalysisResult, FlowResult, TokenRecord } from './result';
import type { KvCache, ScoringModel } from './scoringModel';
import { blankRecord } from './tokenRecords';
import { resultObject } from './resultObject';

export interface FlowRowEvent {
  source: number;
  phiBits: number[];
  expectedBits: number[];
  doneRows: number;
  totalRows: number;
}

export interface FlowProgress {
  stage: 'flow';
  doneSteps: number;
  totalSteps: number;
}

export interface OcclusionOptions extends OcclusionPlanOptions {
  topK?: number;
  /** Tokens per forward of the clean pass. */
  chunkSize?: number;
  /** Most logits (batch × tokens × vocabulary) one occluded forward may return (memory bound). */
  maxLogitFloats?: number;
  signal?: AbortSignal;
  /** The fastest kernel to compare occluded rows with (default: the fastest this engine runs; klKernel.ts). */
  kernel?: KlKernelKind;
  /** The plan's cost, once, before the first pass: the estimate to show before the work starts. */
  onPlan?: (cost: OcclusionCost) => void;
  /** Each source row as soon as it is complete. */
  onRow?: (e: FlowRowEvent) => void;
  onProgress?: (p: FlowProgress) => void;
}

export const DEFAULT_MAX_LOGIT_FLOATS = 1 << 23;

/** Where the occluded prediction of a target comes from: a row of the occluded feed, a clean row, or nothing. */
type RowSource = { feed: number } | { clean: number } | null;

interface Feed {
  ids: number[];
  pos: number[];
  mask: number[];
  /** [target column, feed index] for cells computed from this feed, by feed index. */
  cells: [number, number][];
  /** [target column, clean row position | −1] for cells computed without it. */
  cleanCells: [number, number][];
}

function feedFor(plan: OcclusionPlan, j: number, s0: number): Feed {
  const { seq, off, method, lastRow } = plan;
  const src = plan.sources[j];
  const us = src.tokenStart + off,
    ue = src.tokenEnd + off,
    len = ue - us;
  const ids: number[] = [],
    pos: number[] = [],
    mask: number[] = [];
  for (let p = s0; p <= lastRow; p++) {
    const inUnit = p >= us && p < ue;
    if (!inUnit) {
      ids.push(seq[p]);
      pos.push(method === 'delete' && p >= ue ? p - len : p);
      mask.push(1);
    } else if (method === 'attention-mask') {
      ids.push(seq[p]);
      pos.push(p);
      mask.push(0);
    } else if (method === 'replace') {
      ids.push(plan.neutralTokenId);
      pos.push(p);
      mask.push(1);
    }
  }
  const feedIndex = (p: number) => p - s0 - (method === 'delete' && p >= ue ? len : 0);
  const cells: Feed['cells'] = [],
    cleanCells: Feed['cleanCells'] = [];
  plan.targets.forEach((t, c) => {
    if (t < src.tokenEnd) return;
    const row = t + off - 1;
    let from: RowSource;
    if (row >= ue || method === 'replace') from = { feed: feedIndex(row) };
    else if (us - 1 < 0) from = null;
    else from = us - 1 >= s0 ? { feed: feedIndex(us - 1) } : { clean: us - 1 };
    if (from === null) cleanCells.push([c, -1]);
    else if ('feed' in from) cells.push([c, from.feed]);
    else cleanCells.push([c, from.clean]);
  });
  cells.sort((a, b) => a[1] - b[1]);
  return { ids, pos, mask, cells, cleanCells };
}

/** The largest logits buffer one occluded forward of the plan needs. */
function maxBufferFloats(plan: OcclusionPlan, V: number, maxLogitFloats: number): number {
  let most = 0;
  for (const b of plan.batches) {
    const B = b.units.length;
    const L = Math.max(...b.units.map((j) => feedLength(plan.sources[j], b.s0, plan.lastRow, plan.method)));
    most = Math.max(most, B * Math.min(L, Math.max(1, Math.floor(maxLogitFloats / (B * V)))) * V);
  }
  return most;
}

export async function occlusionFlow(
  model: ScoringModel,
  text: string,
  options: OcclusionOptions = {},
): Promise<AnalysisResult> {
  const { topK = 5, chunkSize = 128, signal } = options;
  throwIfAborted(signal);
  const plan = planOcclusion(model, text, options);
  options.onPlan?.(plan.cost);
  const { seq, off, targets, sources } = plan;
  const V = model.info.vocabSize;
  const maxLogitFloats = options.maxLogitFloats ?? DEFAULT_MAX_LOGIT_FLOATS;
  const slice = plan.reuse && model.sliceCache ? model.sliceCache.bind(model) : null;
  const boundaries = new Set(plan.reuse ? plan.batches.map((b) => b.s0).filter((s) => s > 0) : []);

  const tokens: TokenRecord[] = plan.tok.ids.map((_, i) => blankRecord(plan.tok, i, text, model, i));
  // On a GPU engine the rows are compared where they are; a pinned kernel (tests, benchmarks) keeps them in JavaScript.
  const context = { model, plan, tokens, topK, signal };
  const comparer =
    model.compareHeld && model.forwardMeasures && !options.kernel
      ? deviceComparer(context)
      : jsComparer(context, maxBufferFloats(plan, V, maxLogitFloats), options.kernel);
  const phi = sources.map(() => new Array<number>(targets.length).fill(0));
  const expected = sources.map(() => new Array<number>(targets.length).fill(0));
  const totalSteps = plan.cost.tokenSteps;
  let doneSteps = 0,
    doneRows = 0;
  const rowDone = (j: number) =>
    options.onRow?.({
      source: j,
      phiBits: phi[j],
      expectedBits: expected[j],
      doneRows: ++doneRows,
      totalRows: sources.length,
    });
  const progress = (n: number) => {
    doneSteps += n;
    options.onProgress?.({ stage: 'flow', doneSteps, totalSteps });
  };

  const held = new Map<number, KvCache>(); // clean caches at batch starts (without sliceCache)
  let full: KvCache | null = null;
  try {
    // Clean pass: reference rows, token records, and the caches of the unchanged prefixes.
    for (let a = 0; a < seq.length - 1; ) {
      throwIfAborted(signal);
      let b = Math.min(seq.length - 1, a + chunkSize);
      if (!slice) for (const s of boundaries) if (s > a && s < b) b = s;
      // With sliceCache one cache of the whole clean pass serves every prefix; without it the chain
      // of caches is kept up to the last batch start and the cache at each start is held.
      const keep = slice ? boundaries.size > 0 : [...boundaries].some((s) => s >= b);
      const cache = await comparer.clean(seq.slice(a, b), a, full, keep);
      if (!(boundaries.has(a) && !slice)) full?.dispose();
      full = cache;
      if (full && !slice && boundaries.has(b)) held.set(b, full);
      progress(b - a);
      a = b;
    }
    if (!slice) {
      if (full && held.get(full.length) !== full) full.dispose();
      full = null; // the caches still needed are in `held`
    }

    for (const batch of plan.batches) {
      throwIfAborted(signal);
      const feeds = batch.units.map((j) => feedFor(plan, j, batch.s0));
      const B = feeds.length;
      const clean = feeds.flatMap((f, r) => f.cleanCells.map(([c, q]) => ({ j: batch.units[r], c, q })));
      for (const { j, c } of clean.filter((x) => x.q < 0)) {
        phi[j][c] = NaN;
        expected[j][c] = NaN;
      }
      const known = clean.filter((x) => x.q >= 0);
      (await comparer.againstClean(known.map(({ c, q }) => [c, q]))).forEach((m, i) => {
        phi[known[i].j][known[i].c] = m.logRatioBits;
        expected[known[i].j][known[i].c] = m.klBits;
      });
      const L = Math.max(...feeds.map((f) => f.ids.length));
      const padPos = feeds[0].pos[feeds[0].pos.length - 1];
      const rowsOf = (f: (typeof feeds)[number], key: 'ids' | 'pos' | 'mask', pad: number) => [
        ...f[key],
        ...new Array<number>(L - f[key].length).fill(pad),
      ];
      const ids = feeds.map((f) => rowsOf(f, 'ids', plan.neutralTokenId));
      const pos = feeds.map((f) => rowsOf(f, 'pos', padPos));
      const mask = feeds.map((f) => [...new Array<number>(batch.s0).fill(1), ...rowsOf(f, 'mask', 0)]);
      const cursor = feeds.map(() => 0);

      let base: KvCache | null = null,
        cache: KvCache | null = null;
      try {
        if (batch.s0 > 0) base = slice ? await slice(full!, batch.s0) : held.get(batch.s0)!;
        cache = base && B > 1 ? await model.tileCache!(base, B) : base;
        const cols = Math.max(1, Math.floor(maxLogitFloats / (B * V)));
        for (let c0 = 0; c0 < L; c0 += cols) {
          throwIfAborted(signal);
          const c1 = Math.min(L, c0 + cols);
          // The cells whose occluded row this forward computes: [column, row of the output].
          const cells: [number, number][] = [],
            at: [number, number][] = [];
          for (let r = 0; r < B; r++) {
            const f = feeds[r];
            for (; cursor[r] < f.cells.length && f.cells[cursor[r]][1] < c1; cursor[r]++) {
              const [c, k] = f.cells[cursor[r]];
              cells.push([c, r * (c1 - c0) + k - c0]);
              at.push([batch.units[r], c]);
            }
          }
          const input = {
            inputIds: ids.map((r) => r.slice(c0, c1)),
            past: cache,
            attentionMask: mask.map((r) => r.slice(0, batch.s0 + c1)),
            positionIds: pos.map((r) => r.slice(c0, c1)),
            keepCache: c1 < L,
          };
          const out = await comparer.occluded(input, cells);
          if (cache !== base) cache?.dispose();
          cache = out.cache;
          out.results.forEach((m, i) => {
            phi[at[i][0]][at[i][1]] = m.logRatioBits;
            expected[at[i][0]][at[i][1]] = m.klBits;
          });
          progress(B * (c1 - c0));
        }
      } finally {
        if (cache !== base) cache?.dispose();
        base?.dispose();
        held.delete(batch.s0);
      }
      for (const j of batch.units) rowDone(j);
    }
    for (const j of plan.idle) rowDone(j);
  } finally {
    full?.dispose();
    for (const c of held.values()) c.dispose();
    comparer.dispose();
  }

  const flow: FlowResult = {
    unit: plan.unit,
    method: plan.method,
    sources: sources.map((s) => ({ ...s })),
    targets,
    phiBits: phi,
    expectedBits: expected,
    complete: true,
    passes: plan.cost.passes,
    tokenSteps: totalSteps,
    kvReuse: plan.reuse,
    comparisons: comparer.kind,
    ...(plan.method === 'replace' ? { neutralTokenId: plan.neutralTokenId } : {}),
  };
  return resultObject(model.info, text, tokens, { topK, bos: off === 1, chunkSize }, { flow });
}
