/**
 * Hardening, resources: every KV cache the engine hands out is disposed exactly once, by every
 * operation that uses caches (analysis in chunks and sliding windows, directed information, occlusion
 * flow with sliced and tiled caches, generation with batched samples, comparison), also when the work
 * is cancelled or a pass fails halfway. The real ONNX engine (tiny fixture model) is wrapped so each
 * cache it returns is tracked; ONNX Runtime tensors of caches not kept are disposed by the engine itself.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { compareModels } from '../../src/core/comparison';
import { directedInformation } from '../../src/core/directedInformation';
import { generate } from '../../src/core/generation';
import { occlusionFlow } from '../../src/core/occlusionFlow';
import type { ForwardInput, KvCache, MeasureRequest, ScoringModel } from '../../src/core/scoringModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';

const DIR = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const TEXT = 'The cat sat on the mat. Then the cat ran to the door, and the dog sat where the cat had been.\n';

class Tracked implements KvCache {
  disposed = 0;
  constructor(
    readonly inner: KvCache,
    readonly from: string,
  ) {}
  get length(): number {
    return this.inner.length;
  }
  get batch(): number {
    return this.inner.batch;
  }
  dispose(): void {
    this.disposed++;
    if (this.disposed === 1) this.inner.dispose();
  }
}

/** The model with every cache it returns tracked; `failAt` makes the n-th pass throw. */
function tracking(m: OnnxModel) {
  const caches: Tracked[] = [];
  let passes = 0;
  const state = { failAt: Infinity, abortAt: Infinity, abort: null as AbortController | null };
  const wrap = (c: KvCache | null, from: string): KvCache | null => {
    if (!c) return null;
    const t = new Tracked(c, from);
    caches.push(t);
    return t;
  };
  const unwrap = <T extends ForwardInput>(i: T): T => {
    const past = i.past as Tracked | null | undefined;
    if (past) assert.equal(past.disposed, 0, `a disposed cache (${past.from}) was fed to a pass`);
    if (++passes >= state.failAt) throw new Error('simulated failure of a forward pass');
    if (passes >= state.abortAt) state.abort?.abort(); // cancelled while this pass starts
    return { ...i, past: past ? past.inner : past };
  };
  const model: ScoringModel & { applyChatTemplate?: OnnxModel['applyChatTemplate'] } = {
    info: m.info,
    tokenize: (t) => m.tokenize(t),
    tokenText: (id) => m.tokenText(id),
    forward: async (i, s) => {
      const out = await m.forward(unwrap(i), s);
      return { ...out, cache: wrap(out.cache, 'forward') };
    },
    ...(m.forwardMeasures
      ? {
          forwardMeasures: async (r: MeasureRequest, s?: AbortSignal) => {
            const out = await m.forwardMeasures!(unwrap(r), s);
            return { ...out, cache: wrap(out.cache, 'forwardMeasures') };
          },
        }
      : {}),
    tileCache: async (c, b) => wrap(await m.tileCache((c as Tracked).inner, b), 'tileCache')!,
    sliceCache: async (c, l) => wrap(await m.sliceCache((c as Tracked).inner, l), 'sliceCache')!,
  };
  const check = (what: string) => {
    const leaked = caches.filter((c) => c.disposed === 0).map((c) => `${c.from}(${c.length}×${c.batch})`);
    const twice = caches.filter((c) => c.disposed > 1).map((c) => c.from);
    assert.deepEqual(leaked, [], `${what}: caches never disposed`);
    assert.deepEqual(twice, [], `${what}: caches disposed twice`);
    const n = caches.length;
    caches.length = 0;
    passes = 0;
    state.failAt = Infinity;
    state.abortAt = Infinity;
    return n;
  };
  return { model, check, state };
}

let onnx: OnnxModel;
before(async () => {
  onnx = await OnnxModel.load({ modelDir: DIR, threads: 1 });
});
after(async () => {
  await onnx?.dispose();
});

test('analysis: chunked passes and sliding windows dispose every cache; so do a cancelled and a failed analysis', async () => {
  const { model, check, state } = tracking(onnx);
  await analyzeText(TEXT, model, { chunkSize: 8 });
  assert.ok(check('chunked') >= 2);
  await analyzeText(TEXT.repeat(8), model, { chunkSize: 32 }); // > 256 tokens: sliding windows
  assert.ok(check('sliding windows') > 10);
  const ac = new AbortController();
  let n = 0;
  await assert.rejects(
    analyzeText(TEXT.repeat(3), model, {
      chunkSize: 4,
      signal: ac.signal,
      onProgress: () => {
        if (++n === 5) ac.abort();
      },
    }),
    (e: Error & { code?: string }) => e.code === 'cancelled',
  );
  check('cancelled');
  state.failAt = 4;
  await assert.rejects(analyzeText(TEXT, model, { chunkSize: 4 }), /simulated failure/);
  check('failed');
  // a streaming consumer that throws while a chunk's tokens are handed out
  let seen = 0;
  await assert.rejects(
    analyzeText(TEXT, model, {
      chunkSize: 8,
      onToken: () => {
        if (++seen === 10) throw new Error('consumer failed');
      },
    }),
    /consumer failed/,
  );
  check('consumer failed');
});

test('directed information, occlusion flow (sliced and tiled caches), comparison: every cache disposed', async () => {
  const { model, check, state } = tracking(onnx);
  await directedInformation(
    model,
    { prompt: 'Question: where did the cat sit?\nAnswer:', response: ' The cat sat on the mat.' },
    { chunkSize: 8 },
  );
  check('directed information');
  await occlusionFlow(model, TEXT.slice(0, 60), { unit: 'token', maxBatch: 4 });
  assert.ok(check('occlusion flow') > 3);
  await occlusionFlow(model, TEXT.slice(0, 60), { unit: 'word', maxBatch: 1, reuse: false });
  check('occlusion flow, no reuse');
  state.failAt = 6;
  await assert.rejects(occlusionFlow(model, TEXT.slice(0, 60), { unit: 'token', maxBatch: 4 }), /simulated failure/);
  check('occlusion flow, failed');
  await compareModels(model, model, TEXT.slice(0, 50), { chunkSize: 8 } as never);
  check('comparison');
  for (const failAt of [2, 3, 4, 5]) {
    state.failAt = failAt;
    await assert.rejects(
      directedInformation(
        model,
        { prompt: 'Question: where did the cat sit?\nAnswer:', response: ' The cat sat on the mat.' },
        { chunkSize: 8 },
      ),
      /simulated failure/,
    );
    check(`directed information, pass ${failAt} failed`);
    state.failAt = failAt;
    await assert.rejects(
      compareModels(model, model, TEXT.slice(0, 50), { chunkSize: 8 } as never),
      /simulated failure/,
    );
    check(`comparison, pass ${failAt} failed`);
  }
});

test('generation: greedy, batched Monte Carlo samples, and a failure halfway dispose every cache', async () => {
  const { model, check, state } = tracking(onnx);
  await generate(model, 'The cat', { greedy: true, maxTokens: 6 });
  assert.ok(check('greedy') > 2);
  await generate(model, 'The cat', { samples: 6, maxTokens: 4, seed: 1, stopAtEos: false, maxBatch: 4 });
  assert.ok(check('samples') > 4);
  // passes: 1 prefill prompted, 2 prefill baseline, then prompted and baseline steps in turn (odd, even)
  for (const failAt of [5, 6]) {
    state.failAt = failAt;
    await assert.rejects(
      generate(model, 'The cat', { samples: 4, maxTokens: 5, seed: 2, stopAtEos: false, maxBatch: 2 }),
      /simulated failure/,
    );
    check(`generation, pass ${failAt} failed`);
  }
  for (const abortAt of [5, 6]) {
    state.abort = new AbortController();
    state.abortAt = abortAt;
    const r = await generate(model, 'The cat', {
      greedy: true,
      maxTokens: 5,
      stopAtEos: false,
      signal: state.abort.signal,
    });
    assert.equal(r.generation!.stopReason, 'cancelled');
    check(`generation, cancelled at pass ${abortAt}`);
  }
});

test('ONNX Runtime tensors: a kept cache owns the present.* tensors and disposes them all; passes without a cache keep none', async () => {
  const m = await OnnxModel.load({ modelDir: DIR, threads: 1, fuseMeasures: false });
  try {
    type Out = { dispose?(): void; disposed?: boolean };
    const session = (m as unknown as { session: { run(f: unknown, o?: string[]): Promise<Record<string, Out>> } })
      .session;
    const outputs: { name: string; t: Out }[] = [];
    const run = session.run.bind(session);
    session.run = async (feeds, fetches) => {
      const out = await run(feeds, fetches);
      for (const [name, t] of Object.entries(out)) {
        const d = t.dispose?.bind(t);
        t.dispose = () => {
          t.disposed = true;
          d?.();
        };
        outputs.push({ name, t });
      }
      return out;
    };
    const a = await m.forward({ inputIds: [[399, 84, 104]], keepCache: true });
    const presents = outputs.filter((o) => o.name.startsWith('present'));
    assert.equal(presents.length, 4, '2 layers × key and value');
    assert.ok(
      presents.every((o) => !o.t.disposed),
      'alive while the cache is',
    );
    a.cache!.dispose();
    assert.deepEqual(
      presents.filter((o) => !o.t.disposed).map((o) => o.name),
      [],
      'the cache disposed every tensor it held',
    );
    outputs.length = 0;
    const b = await m.forward({ inputIds: [[399, 84]], keepCache: false });
    assert.equal(b.cache, null);
    assert.deepEqual(
      outputs.map((o) => o.name),
      ['logits'],
      'no present.* tensors fetched when no cache is kept',
    );
    outputs.length = 0;
    await m.forward({ inputIds: [[399, 84]], keepCache: false, wantLogits: false });
    assert.deepEqual(
      outputs.filter((o) => !o.t.disposed).map((o) => o.name),
      [],
      'a pass that keeps nothing disposes what came back',
    );
  } finally {
    await m.dispose();
  }
});
