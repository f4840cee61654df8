/**
 * One teacher-forced pass over a token sequence in chunks that keeps the KV cache, for decoding after
 * it: the cache, a copy of the row that predicts the next token, and every earlier row as it passes
 * (for the measures of the sequence's own tokens). Generation (generation.ts) and `serve` decode from it.
 */
import { throwIfAborted } from './errors';
import { logitsRow, type KvCache, type ScoringModel } from './scoringModel';

export interface Prefilled {
  cache: KvCache | null;
  /** The row predicting the first generated token (a copy). */
  lastRow: Float32Array;
  length: number;
}

/** One pass over `seq` in chunks; `onRow(target, row)` sees the row predicting each position from 1 on. */
export async function prefill(
  model: ScoringModel,
  seq: number[],
  chunkSize: number,
  signal: AbortSignal | undefined,
  onRow?: (target: number, row: Float32Array) => void,
): Promise<Prefilled> {
  let cache: KvCache | null = null;
  let lastRow = new Float32Array(0);
  try {
    for (let a = 0; a < seq.length; a += chunkSize) {
      throwIfAborted(signal);
      const b = Math.min(seq.length, a + chunkSize);
      // The previous chunk's last row predicts this chunk's first token.
      if (a > 0) onRow?.(a, lastRow);
      // Without onRow only the last chunk's logits are read: the others pass for their cache alone.
      const wantLogits = onRow !== undefined || b === seq.length;
      const out = await model.forward(
        { inputIds: [seq.slice(a, b)], past: cache, keepCache: true, wantLogits },
        signal,
      );
      cache?.dispose();
      cache = out.cache;
      if (!wantLogits) continue;
      for (let p = a; p < b - 1; p++) onRow?.(p + 1, logitsRow(out, 0, p - a));
      lastRow = Float32Array.from(logitsRow(out, 0, b - 1 - a));
    }
  } catch (e) {
    cache?.dispose();
    throw e;
  }
  return { cache, lastRow, length: seq.length };
}
