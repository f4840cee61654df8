/**
 * Where occlusion flow (occlusionFlow.ts) compares each occluded row with its clean reference:
 * - in JavaScript: the clean rows of the targets in a table, each occluded forward's logits written
 *   into one buffer and compared by klKernel.ts (WebAssembly SIMD, else the float64 loop);
 * - on the model's device, when the engine can (a GPU: ScoringModel.compareHeld): the clean pass's
 *   logits stay there, each occluded forward's logits too, and only phi and KL per cell come back,
 *   instead of a [batch × positions × vocabulary] array per forward.
 * Both also score the clean pass into the token records.
 */
import { againstReference } from './divergence';
import {
  klWorkspace,
  referenceAt,
  referenceLogits,
  setReference,
  type KlKernelKind,
  type KlWorkspace,
} from './klKernel';
import type { OcclusionPlan } from './occlusionPlan';
import type { FlowResult, TokenRecord } from './result';
import {
  logitsRow,
  type ForwardInput,
  type HeldLogits,
  type HeldPair,
  type KvCache,
  type ScoringModel,
} from './scoringModel';
import { measuresFromRow } from './tokenMeasures';
import { fillRecord, setMeasures } from './tokenRecords';

export interface CellComparison {
  logRatioBits: number;
  klBits: number;
}

export interface FlowComparer {
  readonly kind: NonNullable<FlowResult['comparisons']>;
  /** The clean chunk of `ids` from position `a` after `past`: token records filled, references kept. */
  clean(ids: number[], a: number, past: KvCache | null, keepCache: boolean): Promise<KvCache | null>;
  /** Cells whose occluded row is a clean one: [target column, clean row position]. */
  againstClean(cells: [number, number][]): Promise<CellComparison[]>;
  /** One occluded forward; cells are [target column, row index b·seq + s of this forward's output]. */
  occluded(
    input: ForwardInput,
    cells: [number, number][],
  ): Promise<{ cache: KvCache | null; results: CellComparison[] }>;
  dispose(): void;
}

export interface ComparerContext {
  model: ScoringModel;
  plan: OcclusionPlan;
  tokens: TokenRecord[];
  topK: number;
  signal?: AbortSignal;
}

/** The id a target column is scored against. */
const targetId = (x: ComparerContext, c: number): number => x.plan.seq[x.plan.targets[c] + x.plan.off];

/** Compares in JavaScript; `bufferFloats`: the largest occluded forward's logits. */
export function jsComparer(x: ComparerContext, bufferFloats: number, kernel?: KlKernelKind): FlowComparer {
  const { model, plan, tokens, topK, signal } = x;
  const V = model.info.vocabSize,
    off = plan.off;
  const work: KlWorkspace = klWorkspace(plan.targets.length, V, bufferFloats, { kernel });
  const refIndex = new Map(plan.targets.map((t, c) => [t + off, c])); // target position → column
  const wantCleanRow = new Set(plan.sources.map((s) => s.tokenStart + off - 1).filter((r) => r >= 0));
  const cleanRows = new Map<number, Float32Array>(); // by row position: the last visible row before a unit
  return {
    kind: work.kernel,
    async clean(ids, a, past, keepCache) {
      const out = await model.forward({ inputIds: [ids], past, keepCache }, signal);
      if (out.vocab !== V)
        throw new Error(`occlusionFlow: the model returned ${out.vocab} logits per row, its info says ${V}`);
      for (let p = a; p < a + ids.length; p++) {
        const row = logitsRow(out, 0, p - a);
        const m = fillRecord(tokens[p + 1 - off], row, topK, model);
        const c = refIndex.get(p + 1);
        if (c !== undefined) setReference(work.table, c, row, m);
        if (wantCleanRow.has(p))
          cleanRows.set(p, c !== undefined ? referenceLogits(work.table, c) : Float32Array.from(row));
      }
      return out.cache;
    },
    async againstClean(cells) {
      return cells.map(([c, q]) => againstReference(referenceAt(work.table, c), cleanRows.get(q)!, targetId(x, c)));
    },
    async occluded(input, cells) {
      const B = input.inputIds.length,
        S = input.inputIds[0].length;
      const logitsInto = work.logitsBuffer(B * S * V);
      const out = await model.forward({ ...input, logitsInto }, signal);
      if (out.logits !== logitsInto) logitsInto.set(out.logits); // an engine that does not write in place
      return {
        cache: out.cache,
        results: cells.map(([c, row]) => work.compare(c, logitsInto, row * V, targetId(x, c))),
      };
    },
    dispose() {},
  };
}

/** Compares on the model's device (the model has compareHeld and forwardMeasures). */
export function deviceComparer(x: ComparerContext): FlowComparer {
  const { model, plan, tokens, topK, signal } = x;
  const off = plan.off;
  const chunks: { a: number; held: HeldLogits }[] = []; // the clean pass, in order
  const cleanRow = (p: number): { held: HeldLogits; row: number } => {
    let i = chunks.length - 1;
    while (chunks[i].a > p) i--;
    return { held: chunks[i].held, row: p - chunks[i].a };
  };
  const pair = (c: number, q: { held: HeldLogits; row: number }): HeldPair => {
    const p = cleanRow(plan.targets[c] + off - 1);
    return { p: p.held, pRow: p.row, q: q.held, qRow: q.row, target: targetId(x, c) };
  };
  return {
    kind: 'device',
    async clean(ids, a, past, keepCache) {
      const targets = [ids.map((_, r) => plan.seq[a + r + 1])];
      const rows = await model.forwardMeasures!(
        { inputIds: [ids], past, keepCache, firstRow: 0, targets, topK: Math.max(1, topK), holdLogits: true },
        signal,
      );
      if (!rows.held) throw new Error('occlusionFlow: the engine did not keep the clean logits on its device');
      chunks.push({ a, held: rows.held });
      for (let p = a; p < a + ids.length; p++)
        setMeasures(tokens[p + 1 - off], measuresFromRow(rows, p - a, topK), model);
      return rows.cache;
    },
    async againstClean(cells) {
      return cells.length
        ? model.compareHeld!(
            cells.map(([c, q]) => pair(c, cleanRow(q))),
            signal,
          )
        : [];
    },
    async occluded(input, cells) {
      const out = await model.forward({ ...input, wantLogits: false, holdLogits: true }, signal);
      try {
        if (!out.held) throw new Error('occlusionFlow: the engine did not keep the occluded logits on its device');
        const held = out.held;
        return {
          cache: out.cache,
          results: cells.length
            ? await model.compareHeld!(
                cells.map(([c, row]) => pair(c, { held, row })),
                signal,
              )
            : [],
        };
      } catch (e) {
        out.cache?.dispose();
        throw e;
      } finally {
        out.held?.dispose();
      }
    },
    dispose() {
      for (const ch of chunks.splice(0)) ch.held.dispose();
    },
  };
}
