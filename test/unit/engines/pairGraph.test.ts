/**
 * The pair graph (pairGraph.ts: occlusion flow's row comparisons on a GPU) gives, once pairResult
 * finishes it in float64, what divergence.ts's pairMeasures computes in float64 from the two rows:
 * log2 p(t) − log2 q(t) and KL(p‖q) in bits. Run by ONNX Runtime on the CPU (the graph is the same on
 * every device), for float32 and float16 logits and a vocabulary that is not a multiple of the groups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { pairMeasures } from '../../../src/core/divergence';
import { PAIR_OUTPUTS, pairGraph, pairResult, type PairOutputs } from '../../../src/engines/onnx/pairGraph';

const VOCAB = 1000,
  BATCH = 2,
  SEQ = 3;

/** float32 → IEEE half bits, round to nearest (the values here are normal halves). */
function toHalf(x: number): number {
  const f = new Float32Array([x]),
    u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000,
    exp = ((u >>> 23) & 0xff) - 127 + 15,
    mant = u & 0x7fffff;
  if (x === 0) return sign;
  const half = sign | (exp << 10) | (mant >>> 13);
  return half + ((mant >>> 12) & 1);
}
function fromHalf(h: number): number {
  const exp = (h >>> 10) & 0x1f,
    mant = h & 0x3ff,
    v = exp === 0 ? mant * 2 ** -24 : (1 + mant / 1024) * 2 ** (exp - 15);
  return h & 0x8000 ? -v : v;
}

/** Deterministic logits [BATCH × SEQ × VOCAB], a different spread per row. */
function logits(seed: number): Float32Array {
  return Float32Array.from({ length: BATCH * SEQ * VOCAB }, (_, i) => {
    const row = Math.floor(i / VOCAB),
      v = i % VOCAB;
    return Math.sin(v * 0.731 + seed * 1.3 + row) * (2 + row) + (v === (seed * 37 + row * 11) % VOCAB ? 6 : 0);
  });
}

async function compare(
  type: 'float32' | 'float16',
  pairs: [number, number, number][],
): Promise<{ device: ReturnType<typeof pairResult>[]; reference: ReturnType<typeof pairMeasures>[] }> {
  let [p, q] = [logits(1), logits(2)];
  if (type === 'float16') [p, q] = [p, q].map((x) => Float32Array.from(x, (v) => fromHalf(toHalf(v))));
  const tensor = (x: Float32Array) =>
    type === 'float16'
      ? new ort.Tensor('float16', Uint16Array.from(x, toHalf), [BATCH, SEQ, VOCAB])
      : new ort.Tensor('float32', x, [BATCH, SEQ, VOCAB]);
  const index = (k: number) =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from(pairs, (x) => BigInt(x[k])),
      [pairs.length],
    );
  const s = await ort.InferenceSession.create(pairGraph(type, VOCAB));
  const out = await s.run({ p: tensor(p), q: tensor(q), p_rows: index(0), q_rows: index(1), targets: index(2) });
  await s.release();
  const r = Object.fromEntries(PAIR_OUTPUTS.map((n) => [n, out[n].data as Float32Array])) as PairOutputs;
  const row = (x: Float32Array, i: number) => x.subarray(i * VOCAB, (i + 1) * VOCAB);
  return {
    device: pairs.map((_, i) => pairResult(r, i)),
    reference: pairs.map(([pi, qi, t]) => pairMeasures(row(p, pi), row(q, qi), t)),
  };
}

for (const type of ['float32', 'float16'] as const) {
  test(`${type} logits: log-ratio and KL per pair equal the float64 pairMeasures of the two rows`, async () => {
    // Pairs across rows and batches, targets at the row maximum, in the middle and in the last group.
    const pairs: [number, number, number][] = [
      [0, 0, 37],
      [1, 4, 500],
      [5, 2, 999],
      [3, 3, 0],
      [2, 5, 74 + 11 * 2],
    ];
    const { device, reference } = await compare(type, pairs);
    device.forEach((d, i) => {
      const ref = reference[i];
      assert.ok(
        Math.abs(d.logRatioBits - (ref.log2P - ref.log2Q)) < 1e-4,
        `pair ${i} log-ratio: ${d.logRatioBits} vs ${ref.log2P - ref.log2Q}`,
      );
      assert.ok(Math.abs(d.klBits - ref.klBits) < 1e-4, `pair ${i} KL: ${d.klBits} vs ${ref.klBits}`);
    });
    assert.ok(
      reference.some((r) => r.klBits > 0.5),
      'the rows differ enough for KL to matter',
    );
  });
}
