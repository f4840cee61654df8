/**
 * The logits rows of one teacher-forced pass, yielded in target order, one chunk of logits alive at a
 * time (KV cache between chunks, sliding windows past the context window, as in analyze.ts). Two
 * passes that must be compared row by row (prompted and baseline, model A and model B) are walked in
 * lockstep by zipping two of these streams, so memory stays at one chunk per pass.
 */
import { planScoring } from './chunkPlan';
import { throwIfAborted } from './errors';
import { logitsRow, type KvCache, type ScoringModel } from './scoringModel';

export interface ForcedRow {
  /** Sequence position this row predicts (the row itself is at target − 1). */
  target: number;
  /** View into the current chunk's logits: valid until the stream advances. */
  row: Float32Array;
  truncatedContext: boolean;
}

export interface ForcedRowsOptions {
  /** First sequence position that needs a row (≥ 1). */
  firstTarget: number;
  chunkSize: number;
  stride?: number;
  signal?: AbortSignal;
}

/** Rows for targets firstTarget … seq.length − 1, each exactly once, in order. */
export async function* forcedRows(
  model: ScoringModel,
  seq: readonly number[],
  o: ForcedRowsOptions,
): AsyncGenerator<ForcedRow, void, undefined> {
  const plan = planScoring({
    length: seq.length,
    firstTarget: Math.max(1, o.firstTarget),
    contextWindow: model.info.contextWindow,
    chunkSize: o.chunkSize,
    stride: o.stride,
  });
  for (const w of plan.windows) {
    if (w.targetStart >= w.targetEnd) continue;
    const feedEnd = w.targetEnd - 1; // the last fed row predicts the last target
    let cache: KvCache | null = null;
    try {
      for (let a = w.begin; a < feedEnd; a += o.chunkSize) {
        throwIfAborted(o.signal);
        const b = Math.min(feedEnd, a + o.chunkSize);
        const first = Math.max(a, w.targetStart - 1);
        const out = await model.forward(
          {
            inputIds: [seq.slice(a, b)],
            past: cache,
            keepCache: b < feedEnd,
            ...(first >= b ? { wantLogits: false } : {}),
          },
          o.signal,
        );
        cache?.dispose();
        cache = out.cache;
        for (let p = first; p < b; p++)
          yield { target: p + 1, row: logitsRow(out, 0, p - a), truncatedContext: w.begin > 0 };
      }
    } finally {
      cache?.dispose();
    }
  }
}
