/** Occlusion flow on the fake model: cells by hand, KV reuse = independent passes, identity 7, batching, chunking, cost, progress, cancellation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { occlusionFlow } from '../../../src/core/occlusionFlow';
import { estimateOcclusionCost, planOcclusion } from '../../../src/core/occlusionPlan';
import type { KvCache, TokenizedText } from '../../../src/core/scoringModel';
import { FakeModel, fakeInfo, fakeLogits, log2Softmax } from '../../helpers/fakeModel';

const TEXT = 'abcab dhg fe. abcaa cbd';
// Reference rows keep probabilities in float32, so hand checks hold to ~1e-7 bits (the contract is 1e-4).
const close = (a: number, b: number, tol = 1e-6, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** The fake with every character a token (ids mod 8, so spaces and periods too): words and sentences exist. */
class TextFake extends FakeModel {
  override tokenize(text: string): TokenizedText {
    const ids = [...text].map((c) => (((c.charCodeAt(0) - 97) % 8) + 8) % 8);
    return { ids, spans: ids.map((_, i) => ({ start: i, end: i + 1 })), special: ids.map(() => false) };
  }
}
const ids = (s: string) => new TextFake().tokenize(s).ids;

/** A fake that can also slice a cache (the fast path); the plain TextFake exercises the fallback. */
class SlicingFake extends TextFake {
  async sliceCache(cache: KvCache, length: number): Promise<KvCache> {
    const c = cache as unknown as { rows: { id: number; visible: boolean; pos: number }[][] };
    const out = (await this.tileCache({ ...cache, batch: 1, rows: c.rows } as unknown as KvCache, 1)) as unknown as {
      rows: unknown[][];
      length: number;
    };
    return Object.assign(out, { length, rows: c.rows.map((r) => r.slice(0, length)) }) as unknown as KvCache;
  }
}

/** phi and Phi of one cell from the model's definition: the occluded context drops the unit's tokens. */
function cell(seq: number[], unit: [number, number], target: number) {
  const clean = seq.slice(0, target).map((id, pos) => ({ id, visible: true, pos }));
  const occl = clean.map((c) => ({ ...c, visible: !(c.pos >= unit[0] && c.pos < unit[1]) }));
  const lp = log2Softmax(fakeLogits(clean)),
    lq = log2Softmax(fakeLogits(occl));
  const y = seq[target];
  return { phi: lp[y] - lq[y], kl: lp.reduce((a, l, v) => a + 2 ** l * (l - lq[v]), 0) };
}

test('every cell matches the definition; cells at or before the unit are exactly 0 (identity 7)', async () => {
  const r = await occlusionFlow(new TextFake(), TEXT, { unit: 'token' });
  const f = r.flow!;
  const seq = [7, ...ids(TEXT)];
  assert.equal(f.method, 'attention-mask');
  assert.equal(f.sources.length, TEXT.length);
  assert.deepEqual(
    f.targets,
    Array.from({ length: TEXT.length }, (_, i) => i),
  );
  f.sources.forEach((s, j) => {
    f.targets.forEach((t, c) => {
      if (t < s.tokenEnd!) {
        assert.equal(f.phiBits[j][c], 0);
        assert.equal(f.expectedBits[j][c], 0);
        return;
      }
      const ref = cell(seq, [s.tokenStart! + 1, s.tokenEnd! + 1], t + 1);
      close(f.phiBits[j][c], ref.phi, 1e-6, `phi ${j}->${t}`);
      close(f.expectedBits[j][c], ref.kl, 1e-6, `Phi ${j}->${t}`);
    });
  });
  assert.ok(
    f.expectedBits.flat().some((x) => x > 0.01),
    'some flow is non-zero',
  );
  assert.ok(f.expectedBits.flat().every((x) => x >= 0));
});

test('KV-cache reuse equals independent full passes, for every method, batch size and cache path', async () => {
  for (const method of ['attention-mask', 'replace', 'delete'] as const) {
    for (const unit of ['token', 'word'] as const) {
      const ref = await occlusionFlow(new TextFake(), TEXT, { unit, method, reuse: false, maxBatch: 1 });
      for (const [Model, maxBatch] of [
        [TextFake, 1],
        [TextFake, 3],
        [SlicingFake, 1],
        [SlicingFake, 4],
      ] as const) {
        const model = new Model();
        const r = await occlusionFlow(model, TEXT, { unit, method, maxBatch, maxLogitFloats: 8 * 5 });
        const what = `${method}/${unit}/${Model.name}/${maxBatch}`;
        r.flow!.phiBits.forEach((row, j) =>
          row.forEach((v, c) => close(v, ref.flow!.phiBits[j][c], 1e-9, `${what} phi ${j},${c}`)),
        );
        r.flow!.expectedBits.forEach((row, j) =>
          row.forEach((v, c) => close(v, ref.flow!.expectedBits[j][c], 1e-9, `${what} Phi ${j},${c}`)),
        );
        assert.equal(model.leakedCaches(), 0, `${what}: caches closed`);
        assert.equal(r.flow!.method, method);
      }
    }
  }
});

test('the cost estimate is known before running and equals the token-steps the model actually ran', async () => {
  for (const reuse of [true, false]) {
    for (const [Model, maxBatch] of [
      [TextFake, 1],
      [SlicingFake, 3],
    ] as const) {
      const model = new Model();
      const cost = estimateOcclusionCost(model, TEXT, { unit: 'token', reuse, maxBatch });
      assert.equal(model.tokenSteps, 0);
      const announced: { cost: typeof cost; stepsRun: number }[] = [];
      const r = await occlusionFlow(model, TEXT, {
        unit: 'token',
        reuse,
        maxBatch,
        onPlan: (c) => announced.push({ cost: c, stepsRun: model.tokenSteps }),
      });
      assert.deepEqual(announced, [{ cost, stepsRun: 0 }], 'onPlan: the same cost, once, before any pass');
      assert.equal(model.tokenSteps, cost.tokenSteps, `reuse ${reuse}, batch ${maxBatch}`);
      assert.equal(r.flow!.tokenSteps, cost.tokenSteps);
    }
  }
  // The result counts passes as the plan announced them, however many forward calls a pass took:
  // small chunks split the clean pass, a small logits budget splits each batch into column slices.
  const split = new SlicingFake();
  const plan = estimateOcclusionCost(split, TEXT, { unit: 'token', maxBatch: 3 });
  const calls = { n: 0 };
  const forward = split.forward.bind(split);
  split.forward = (input) => {
    calls.n++;
    return forward(input);
  };
  const r = await occlusionFlow(split, TEXT, {
    unit: 'token',
    maxBatch: 3,
    chunkSize: 4,
    maxLogitFloats: 3 * 2 * split.info.vocabSize,
  });
  assert.equal(r.flow!.passes, plan.passes);
  assert.equal(
    plan.passes,
    planOcclusion(new SlicingFake(), TEXT, { unit: 'token', maxBatch: 3 }).batches.length + 1,
    'the clean pass and one per batch',
  );
  assert.ok(
    calls.n > plan.passes,
    `more forward calls (${calls.n}) than passes (${plan.passes}): the case that used to differ`,
  );
  const c = estimateOcclusionCost(new TextFake(), TEXT, { maxBatch: 1 });
  const n = TEXT.length;
  assert.equal(c.independentTokenSteps, n + (n - 1) * n); // clean pass + one full pass per source that has a later target
  assert.ok(c.tokenSteps <= n + (n * (n + 1)) / 2, `about n²/2: ${c.tokenSteps}`);
  assert.equal(c.cells, (n * (n - 1)) / 2);
});

test('a later unit has exactly zero flow on earlier targets; target ranges and user spans', async () => {
  const r = await occlusionFlow(new TextFake(), TEXT, { unit: 'sentence' });
  const f = r.flow!;
  assert.equal(f.sources.length, 2);
  assert.equal(f.sources[1].text, 'abcaa cbd');
  f.targets.forEach((t, c) => {
    if (t < f.sources[1].tokenEnd!) assert.ok(Object.is(f.phiBits[1][c], 0) && Object.is(f.expectedBits[1][c], 0));
  });
  const ranged = await occlusionFlow(new TextFake(), TEXT, { unit: 'word', targetRange: { start: 14, end: 19 } });
  assert.deepEqual(ranged.flow!.targets, [14, 15, 16, 17, 18]);
  const full = await occlusionFlow(new TextFake(), TEXT, { unit: 'word' });
  ranged.flow!.phiBits.forEach((row, j) => row.forEach((v, c) => close(v, full.flow!.phiBits[j][14 + c], 1e-12)));
  const spans = await occlusionFlow(new TextFake(), TEXT, {
    spans: [
      { start: 6, end: 9 },
      { start: 0, end: 2 },
    ],
  });
  assert.equal(spans.flow!.unit, 'span');
  assert.deepEqual(
    spans.flow!.sources.map((s) => s.text),
    ['dhg', 'ab'],
  );
  const seq = [7, ...ids(TEXT)];
  close(spans.flow!.expectedBits[0][12], cell(seq, [7, 10], 13).kl);
  await assert.rejects(
    occlusionFlow(new TextFake(), TEXT, { spans: [{ start: 5, end: 5 }] }),
    /empty or outside the text/,
  );
});

test('rows arrive progressively, one per source; cancellation settles and closes every cache', async () => {
  const rows: number[] = [];
  const steps: number[] = [];
  await occlusionFlow(new SlicingFake(), TEXT, {
    unit: 'word',
    onRow: (e) => rows.push(e.source),
    onProgress: (p) => steps.push(p.doneSteps / p.totalSteps),
  });
  assert.deepEqual(
    [...rows].sort((a, b) => a - b),
    Array.from({ length: rows.length }, (_, i) => i),
  );
  assert.equal(steps[steps.length - 1], 1);
  for (const Model of [TextFake, SlicingFake]) {
    const ac = new AbortController();
    const model = new Model();
    await assert.rejects(
      occlusionFlow(model, TEXT, {
        unit: 'token',
        signal: ac.signal,
        onRow: (e) => {
          if (e.doneRows === 3) ac.abort();
        },
      }),
      (e: Error & { code?: string }) => e.code === 'cancelled',
    );
    assert.equal(model.leakedCaches(), 0);
  }
});

test('text past the context window is refused before any pass; no BOS leaves the cell after a first-token unit undefined', async () => {
  await assert.rejects(
    occlusionFlow(new TextFake(fakeInfo({ contextWindow: 10 })), TEXT),
    (e: Error & { code?: string }) => e.code === 'too-large',
  );
  const r = await occlusionFlow(new TextFake(fakeInfo({ bosTokenId: null })), 'abcd', { unit: 'token' });
  assert.deepEqual(r.flow!.targets, [1, 2, 3]);
  assert.ok(Number.isNaN(r.flow!.phiBits[0][0]));
  const plan = planOcclusion(new TextFake(), 'abcd');
  assert.equal(plan.off, 1);
});
