/**
 * The one adapter between the engine and onnxruntime-node: sessions created for a device with the
 * output locations the engine asks for, typed input and output metadata, and the tensors the engine
 * builds. On a GPU device an output may stay in GPU memory ('gpu-buffer'); such a tensor is only fed
 * to another run on the same device (a KV cache, logits compared on the device), never read: in
 * onnxruntime-node 1.30 `getData()` on it aborts the process and `.data` throws. Every GPU tensor a
 * run returns is entered in a ledger and leaves it when released, so tests can check that each one
 * is disposed exactly once.
 */
import * as ort from 'onnxruntime-node';
import type { ConcreteDevice } from './deviceFallback';

export type OrtTensor = ort.Tensor;
export type OutputLocation = 'cpu' | 'gpu-buffer';

/** An input or output of a session: element type and shape (a string for a symbolic dimension). */
export interface ValueInfo {
  name: string;
  type: ort.Tensor.Type;
  shape: readonly (number | string)[];
}

export interface SessionOptions {
  device: ConcreteDevice;
  /** Intra-op threads on the CPU (default: ONNX Runtime's choice). */
  threads?: number;
  /** The folder the model's external-data references are relative to (weightlessModel.ts). */
  externalDataDir?: string;
  /** Where outputs are placed on a GPU device (unnamed ones: the CPU); on the CPU device everything is. */
  outputLocations?: Record<string, OutputLocation>;
  /**
   * ONNX Runtime's prepacking of weights (default on). Its packed copies are held beside the weights
   * (1.2–1.5 × the file's bytes on the CPU); off, the weights stay file pages mapped from the model and
   * the memory is about the file's bytes, for a slower pass (bench/prepacking.ts, README).
   */
  prepack?: boolean;
}

/** GPU tensors returned by runs and not yet released. */
export class DeviceTensorLedger {
  private readonly live = new Set<OrtTensor>();
  /** Released by releaseAll: their holders (a cache) may still release them, which then does nothing. */
  private readonly revoked = new WeakSet<OrtTensor>();
  /** Releases of a tensor that was already released or never entered (a bug when not 0). */
  repeatedReleases = 0;
  entered = 0;
  /** Bytes that runs on a GPU brought back to the CPU (what the GPU path tries to keep small). */
  bytesToCpu = 0;

  enter(t: OrtTensor): void {
    this.live.add(t);
    this.entered++;
  }

  release(t: OrtTensor): void {
    if (this.revoked.has(t)) return;
    if (t.location === 'gpu-buffer' || this.live.has(t)) {
      if (!this.live.delete(t)) this.repeatedReleases++;
    }
    t.dispose();
  }

  /** Releases every live tensor: before their session goes (releasing one after it crashes the process). */
  releaseAll(): void {
    for (const t of this.live) {
      this.revoked.add(t);
      t.dispose();
    }
    this.live.clear();
  }

  get liveCount(): number {
    return this.live.size;
  }
}

const EXECUTION_PROVIDER: Record<ConcreteDevice, string> = {
  cpu: 'cpu',
  webgpu: 'webgpu',
  cuda: 'cuda',
  dml: 'dml',
  coreml: 'coreml',
};

export class OrtSession {
  readonly inputs: ReadonlyMap<string, ValueInfo>;
  readonly outputs: ReadonlyMap<string, ValueInfo>;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: ConcreteDevice,
    private readonly ledger: DeviceTensorLedger,
  ) {
    const infos = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
      new Map(
        list.map((m) => [
          m.name,
          { name: m.name, type: m.isTensor ? m.type : 'float32', shape: m.isTensor ? m.shape : [] },
        ]),
      );
    this.inputs = infos(session.inputMetadata);
    this.outputs = infos(session.outputMetadata);
  }

  /** A session for `model` (bytes or a file path) on one device. */
  static async create(model: Uint8Array | string, o: SessionOptions, ledger: DeviceTensorLedger): Promise<OrtSession> {
    const options = ortSessionOptions(o);
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options);
    return new OrtSession(session, o.device, ledger);
  }

  has(name: string): boolean {
    return this.inputs.has(name);
  }

  /** Runs with named fetches; GPU outputs enter the ledger. */
  async run(feeds: Record<string, OrtTensor>, fetches: string[]): Promise<Record<string, OrtTensor>> {
    return this.account(await this.session.run(feeds, fetches));
  }

  /** Runs writing `into` in place for the named CPU outputs (the rest allocated by ONNX Runtime). */
  async runInto(
    feeds: Record<string, OrtTensor>,
    into: Record<string, OrtTensor | null>,
  ): Promise<Record<string, OrtTensor>> {
    return this.account(await this.session.run(feeds, into as Record<string, OrtTensor>));
  }

  private account(out: Record<string, OrtTensor>): Record<string, OrtTensor> {
    for (const t of Object.values(out)) {
      if (t.location === 'gpu-buffer') this.ledger.enter(t);
      else if (this.device !== 'cpu') this.ledger.bytesToCpu += (t.data as ArrayBufferView).byteLength;
    }
    return out;
  }

  release(t: OrtTensor | undefined): void {
    if (t) this.ledger.release(t);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** The onnxruntime-node options of a session (exported for tests: ONNX Runtime does not report them back). */
export function ortSessionOptions(o: SessionOptions): ort.InferenceSession.SessionOptions {
  const extra = {
    ...(o.externalDataDir ? { model_external_initializers_file_folder_path: o.externalDataDir } : {}),
    ...(o.prepack === false ? { disable_prepacking: '1' } : {}),
  };
  return {
    executionProviders: [EXECUTION_PROVIDER[o.device]],
    logSeverityLevel: 3,
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
    // ONNX Runtime's memory pattern plans one block per input shape, and a pass's shape changes with every
    // chunk (the KV cache grows): on the CPU it only held memory, 63–92 MB of the peak when analysing 512
    // tokens in the default chunks of 128 (135 M Llama-shaped 900 → 837 MB, 82 M GPT-2 711 → 619 MB; one
    // chunk of 512: 957 → 957 and 816 → 778 MB), for no loss of speed (bundled CLI, alternating; README).
    ...(o.device === 'cpu' ? { enableMemPattern: false } : {}),
    ...(Object.keys(extra).length ? { extra: { session: extra } } : {}),
    ...(o.device !== 'cpu' && o.outputLocations ? { preferredOutputLocation: o.outputLocations } : {}),
  };
}

export const int64Rows = (rows: readonly (readonly number[])[]): OrtTensor => {
  const B = rows.length,
    S = rows[0]?.length ?? 0;
  const data = new BigInt64Array(B * S);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) data[b * S + s] = BigInt(rows[b][s]);
  return new ort.Tensor('int64', data, [B, S]);
};

export const int64Vector = (values: readonly number[]): OrtTensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    [values.length],
  );

/** A tensor of `type` with `dims`, sharing `data` (no copy). */
export const tensorOf = (
  type: 'float32' | 'float16',
  data: Float32Array | Uint16Array,
  dims: readonly number[],
): OrtTensor => new ort.Tensor(type, data, dims);

/** An empty tensor for an input such as past_key_values: `batch` rows, every symbolic dimension 0. */
export function emptyInput(info: ValueInfo, batch: number): OrtTensor {
  const dims = info.shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 0));
  return info.type === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(0), dims)
    : new ort.Tensor('float32', new Float32Array(0), dims);
}

/** The float32 values of a CPU tensor (float16 converted). */
export function float32Of(t: OrtTensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type !== 'float16') throw new Error(`expected float logits, got ${t.type}`);
  const half = t.data as Uint16Array;
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) out[i] = halfToFloat(half[i]);
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1,
    exponent = (h >> 10) & 0x1f,
    fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
