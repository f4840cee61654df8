/**
 * Small graphs the GPU path runs on the model's device, beside the model's own session, so that what
 * stays in GPU memory is worked on there: logits rows cast to float32 and brought to the CPU (only for
 * passes that ask for whole rows), and the KV cache cut to a prefix or repeated for a batch. Each graph
 * becomes one session on first use. Every run fetches all of a session's outputs: onnxruntime-node
 * 1.30 places an output by its position among the fetched ones, and keeps the outputs bound by earlier
 * runs, so fetching a subset misplaces outputs or fails with "Output count mismatch".
 */
import type { HeldLogits } from '../../core/scoringModel';
import { OnnxKvCache } from './onnxKvCache';
import { PAIR_OUTPUTS, pairGraph, type PairOutputs } from './pairGraph';
import { ONNX_TYPE, attrInt, constInts, modelOf, node, valueInfo } from './onnxGraph';
import { OrtSession, int64Vector, type DeviceTensorLedger, type OrtTensor, type ValueInfo } from './ortSession';

/** Logits kept in GPU memory after a pass (occlusion flow compares them there). */
export class DeviceLogits implements HeldLogits {
  readonly batch: number;
  readonly seq: number;

  constructor(
    readonly tensor: OrtTensor,
    private readonly release: (t: OrtTensor) => void,
  ) {
    [this.batch, this.seq] = tensor.dims;
  }

  dispose(): void {
    this.release(this.tensor);
  }
}

const elemType = (t: ValueInfo['type']) => (t === 'float16' ? ONNX_TYPE.FLOAT16 : ONNX_TYPE.FLOAT);
const symbolic = (info: ValueInfo) => info.shape.map((d, i) => (typeof d === 'number' ? d : `d${i}`));

export class DeviceOps {
  private readonly sessions = new Map<string, Promise<OrtSession>>();

  constructor(
    private readonly model: OrtSession,
    private readonly ledger: DeviceTensorLedger,
  ) {}

  private session(key: string, build: () => Uint8Array, outputsOnDevice: string[]): Promise<OrtSession> {
    let s = this.sessions.get(key);
    if (!s) {
      const outputLocations = Object.fromEntries(outputsOnDevice.map((n) => [n, 'gpu-buffer' as const]));
      s = OrtSession.create(build(), { device: this.model.device, outputLocations }, this.ledger);
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Whole logits rows on the CPU, as float32 (the device tensor is left to the caller). */
  async logitsToCpu(logits: OrtTensor): Promise<Float32Array> {
    const info = this.model.outputs.get('logits')!;
    const s = await this.session(
      'logits',
      () =>
        modelOf('sf_logits_to_cpu', {
          nodes: [node('Cast', ['logits'], ['rows'], [attrInt('to', ONNX_TYPE.FLOAT)])],
          inputs: [valueInfo(11, 'logits', elemType(info.type), symbolic(info))],
          outputs: [valueInfo(12, 'rows', ONNX_TYPE.FLOAT, symbolic(info))],
        }),
      [],
    );
    return (await s.run({ logits }, ['rows'])).rows.data as Float32Array;
  }

  /** zp, zq, s, d_p[t], d_q[t] for each pair of rows (pairGraph.ts), on the device. */
  async comparePairs(
    p: OrtTensor,
    q: OrtTensor,
    pRows: number[],
    qRows: number[],
    targets: number[],
  ): Promise<PairOutputs> {
    const info = this.model.outputs.get('logits')!;
    const s = await this.session(
      'pairs',
      () => pairGraph(info.type === 'float16' ? 'float16' : 'float32', p.dims[2]),
      [],
    );
    const out = await s.run(
      { p, q, p_rows: int64Vector(pRows), q_rows: int64Vector(qRows), targets: int64Vector(targets) },
      [...PAIR_OUTPUTS],
    );
    return Object.fromEntries(PAIR_OUTPUTS.map((n) => [n, out[n].data as Float32Array])) as PairOutputs;
  }

  private cacheGraph(
    key: string,
    extra: Uint8Array,
    op: (past: string) => Uint8Array,
    pastNames: string[],
    prelude: Uint8Array[] = [],
  ): Promise<OrtSession> {
    return this.session(
      key,
      () =>
        modelOf(`sf_kv_${key}`, {
          nodes: [...prelude, ...pastNames.map(op)],
          inputs: [
            extra,
            ...pastNames.map((n) =>
              valueInfo(11, n, elemType(this.model.inputs.get(n)!.type), symbolic(this.model.inputs.get(n)!)),
            ),
          ],
          outputs: pastNames.map((n) =>
            valueInfo(12, `${n}.out`, elemType(this.model.inputs.get(n)!.type), symbolic(this.model.inputs.get(n)!)),
          ),
        }),
      pastNames.map((n) => `${n}.out`),
    );
  }

  private async runOnCache(
    s: OrtSession,
    c: OnnxKvCache,
    extra: Record<string, OrtTensor>,
    length: number,
    batch: number,
  ): Promise<OnnxKvCache> {
    const names = Object.keys(c.tensors);
    const out = await s.run(
      { ...extra, ...c.tensors },
      names.map((n) => `${n}.out`),
    );
    return new OnnxKvCache(length, batch, Object.fromEntries(names.map((n) => [n, out[`${n}.out`]])), (t) =>
      this.ledger.release(t),
    );
  }

  /** A new device cache of the first `length` positions (axis 2). */
  async sliceCache(c: OnnxKvCache, length: number): Promise<OnnxKvCache> {
    const names = Object.keys(c.tensors);
    const prelude = [constInts('sf_zero', [0]), constInts('sf_axis', [2])];
    const s = await this.cacheGraph(
      'slice',
      valueInfo(11, 'sf_end', ONNX_TYPE.INT64, [1]),
      (n) => node('Slice', [n, 'sf_zero', 'sf_end', 'sf_axis'], [`${n}.out`]),
      names,
      prelude,
    );
    return this.runOnCache(s, c, { sf_end: int64Vector([length]) }, length, c.batch);
  }

  /** A batch-1 device cache repeated `batch` times. */
  async tileCache(c: OnnxKvCache, batch: number): Promise<OnnxKvCache> {
    if (c.batch !== 1) throw new Error('tileCache expects a batch-1 cache');
    const s = await this.cacheGraph(
      'tile',
      valueInfo(11, 'sf_repeats', ONNX_TYPE.INT64, [4]),
      (n) => node('Tile', [n, 'sf_repeats'], [`${n}.out`]),
      Object.keys(c.tensors),
    );
    return this.runOnCache(s, c, { sf_repeats: int64Vector([batch, 1, 1, 1]) }, c.length, batch);
  }

  async dispose(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).dispose();
    this.sessions.clear();
  }
}
