/**
 * The ONNX engine's KV cache: the `present.*` outputs of a pass, renamed to the `past_key_values.*`
 * inputs of the next, each [batch, heads, length, head_dim]. On the CPU they are plain arrays, tiled
 * and sliced here; on a GPU they stay in GPU memory and deviceKvOps.ts does the same on the device.
 */
import type { KvCache } from '../../core/scoringModel';
import { tensorOf, type OrtTensor } from './ortSession';

export class OnnxKvCache implements KvCache {
  private disposed = false;

  constructor(
    readonly length: number,
    readonly batch: number,
    /** past_key_values.* name → tensor */
    readonly tensors: Readonly<Record<string, OrtTensor>>,
    private readonly release: (t: OrtTensor) => void,
  ) {}

  /** Frees the tensors; a second call does nothing (core code may dispose a cache on two paths). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of Object.values(this.tensors)) this.release(t);
  }
}

/** The `present.*` outputs of a run as the cache of its `length` positions. */
export function cacheFromPresents(
  out: Record<string, OrtTensor>,
  presentNames: readonly string[],
  length: number,
  batch: number,
  release: (t: OrtTensor) => void,
): OnnxKvCache {
  return new OnnxKvCache(
    length,
    batch,
    Object.fromEntries(presentNames.map((n) => [n.replace('present', 'past_key_values'), out[n]])),
    release,
  );
}

type FloatArray = Float32Array | Uint16Array;
const floatTensor = (t: OrtTensor, data: FloatArray, dims: readonly number[]) =>
  tensorOf(t.type as 'float32' | 'float16', data, dims);

/** A batch-1 CPU cache repeated `batch` times. */
export function tileCacheOnCpu(c: OnnxKvCache, batch: number): OnnxKvCache {
  if (c.batch !== 1) throw new Error('tileCache expects a batch-1 cache');
  const tensors: Record<string, OrtTensor> = {};
  for (const [k, t] of Object.entries(c.tensors)) {
    const src = t.data as FloatArray;
    const data = new (src.constructor as new (n: number) => FloatArray)(src.length * batch);
    for (let b = 0; b < batch; b++) data.set(src, b * src.length);
    tensors[k] = floatTensor(t, data, [batch, ...t.dims.slice(1)]);
  }
  return new OnnxKvCache(c.length, batch, tensors, (t) => t.dispose());
}

/** A new CPU cache of the first `length` positions (axis 2) of `c`. */
export function sliceCacheOnCpu(c: OnnxKvCache, length: number): OnnxKvCache {
  const tensors: Record<string, OrtTensor> = {};
  for (const [k, t] of Object.entries(c.tensors)) {
    const [B, H, S, D] = t.dims;
    if (S !== c.length) throw new Error(`sliceCache: ${k} has ${S} positions on axis 2, expected ${c.length}`);
    const src = t.data as FloatArray;
    const data = new (src.constructor as new (n: number) => FloatArray)(B * H * length * D);
    for (let bh = 0; bh < B * H; bh++) data.set(src.subarray(bh * S * D, bh * S * D + length * D), bh * length * D);
    tensors[k] = floatTensor(t, data, [B, H, length, D]);
  }
  return new OnnxKvCache(length, c.batch, tensors, (t) => t.dispose());
}

/** Checks a slice request against the cache. */
export function checkSlice(c: KvCache, length: number): void {
  if (length < 0 || length > c.length)
    throw new Error(`sliceCache: ${length} positions of a ${c.length}-position cache`);
}
