/**
 * The occlusion comparison kernel: WebAssembly SIMD against the float64 scalar loop (divergence.ts),
 * on rows of several vocabulary sizes (with and without a scalar tail), rows far above or below their
 * reference (in the kernel while its float32 sums hold, else the scalar fallback), and the committed bytes
 * against a fresh build of the kernel.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { againstReference, pairMeasures, referenceRow } from '../../../src/core/divergence';
import { klWorkspace, referenceAt, setReference, type KlKernelKind } from '../../../src/core/klKernel';
import { KL_KERNEL_WASM, KL_KERNEL_WASM_RELAXED } from '../../../src/core/klKernelWasm';
import { positionMeasures } from '../../../src/core/tokenMeasures';
import { LN2 } from '../../../src/core/units';

/** A deterministic pseudo-random generator (mulberry32), so a failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Logits like a language model's: a few high, a long low tail. */
function lmRow(V: number, r: () => number): Float32Array {
  return Float32Array.from({ length: V }, () => -8 + 6 * r() + (r() < 0.01 ? 10 * r() : 0));
}

/** An occluded row: the reference moved by noise of size `noise` and an overall shift. */
const perturbed = (ref: Float32Array, r: () => number, noise: number, shift: number) =>
  Float32Array.from(ref, (l) => l + shift + noise * (r() - 0.5));

/** Whether this engine runs relaxed SIMD (V8 ≥ 11.4: Node ≥ 22, VS Code's Electron; Node 20 behind a flag). */
const hasRelaxed = klWorkspace(1, 16, 16).kernel === 'wasm-relaxed-simd';
const kinds: KlKernelKind[] = hasRelaxed ? ['wasm-relaxed-simd', 'wasm-simd'] : ['wasm-simd'];

for (const kind of kinds)
  for (const V of [16, 37, 400, 50257]) {
    test(`${kind} comparisons equal the float64 loop to 1e-6 bits (vocabulary ${V})`, () => {
      const r = rng(V);
      const rows = 6;
      const work = klWorkspace(rows, V, 4 * V, { kernel: kind });
      assert.equal(work.kernel, kind);
      const refs = Array.from({ length: rows }, () => lmRow(V, r));
      refs.forEach((row, i) => setReference(work.table, i, row));
      const buf = work.logitsBuffer(4 * V);
      // rows moved by up to ±8 nats stay in the kernel; −25, 50 and −100 take the float64 path
      const cases: [number, number, number][] = [
        [0, 0.5, 0],
        [1, 3, 1.7],
        [2, 0.01, -2.5],
        [3, 6, 0],
        [4, 1, 50],
        [5, 1, -100],
        [1, 1, 7],
        [3, 1, -7],
        [2, 1, -25],
      ];
      for (const [k, [i, noise, shift]] of cases.entries()) {
        const q = perturbed(refs[i], r, noise, shift);
        const slot = k % 4;
        buf.set(q, slot * V);
        for (const target of [0, V - 1, Math.floor(V / 2)]) {
          const got = work.compare(i, buf, slot * V, target);
          const want = pairMeasures(refs[i], q, target);
          const label = `row ${i} noise ${noise} shift ${shift} target ${target}`;
          assert.ok(Math.abs(got.klBits - want.klBits) < 1e-6, `${label}: KL ${got.klBits} vs ${want.klBits}`);
          assert.ok(
            Math.abs(got.logRatioBits - (want.log2P - want.log2Q)) < 1e-6,
            `${label}: log ratio ${got.logRatioBits} vs ${want.log2P - want.log2Q}`,
          );
        }
      }
    });
  }

test('a row compared with itself has zero divergence; a row shifted by a constant too (same distribution)', () => {
  const V = 50257,
    r = rng(7);
  const work = klWorkspace(1, V, 2 * V);
  const row = lmRow(V, r);
  setReference(work.table, 0, row);
  const buf = work.logitsBuffer(2 * V);
  buf.set(row, 0);
  buf.set(
    row.map((l) => l + 3.25),
    V,
  ); // + 3.25 is exact in float32 for these magnitudes
  for (const offset of [0, V]) {
    const m = work.compare(0, buf, offset, 123);
    assert.ok(Math.abs(m.klBits) < 1e-7, `KL ${m.klBits}`);
    assert.ok(Math.abs(m.logRatioBits) < 1e-6, `log ratio ${m.logRatioBits}`);
  }
});

test('the scalar workspace stores the same references as referenceRow and compares with againstReference', () => {
  const V = 400,
    r = rng(3);
  const js = klWorkspace(2, V, V, { kernel: 'js' });
  assert.equal(js.kernel, 'js');
  const row = lmRow(V, r);
  setReference(js.table, 1, row);
  const want = referenceRow(row),
    got = referenceAt(js.table, 1);
  assert.deepEqual([got.mass, got.logZ, got.max], [want.mass, want.logZ, want.max]);
  assert.deepEqual(Array.from(got.probs), Array.from(want.probs));
  const q = perturbed(row, r, 2, 0.5);
  js.logitsBuffer(V).set(q);
  assert.deepEqual(js.compare(1, js.logitsBuffer(V), 0, 9), againstReference(want, q, 9));
  // and the KL is the textbook sum, in bits
  let kl = 0;
  const lq = Math.log(q.reduce((s, l) => s + Math.exp(l), 0));
  for (let v = 0; v < V; v++) kl += want.probs[v] * (row[v] - want.logZ - (q[v] - lq));
  assert.ok(Math.abs(js.compare(1, js.logitsBuffer(V), 0, 9).klBits - kl / LN2) < 1e-9);
});

test('a reference stored with the logZ and max positionMeasures found equals one that computes them', () => {
  const V = 50257,
    r = rng(11);
  const work = klWorkspace(2, V, V);
  const row = lmRow(V, r);
  setReference(work.table, 0, row);
  setReference(work.table, 1, row, positionMeasures(row, 5, 0));
  const [a, b] = [referenceAt(work.table, 0), referenceAt(work.table, 1)];
  assert.equal(a.max, b.max);
  assert.ok(
    Math.abs(a.logZ - b.logZ) < 1e-12 && Math.abs(a.mass - b.mass) < 1e-9,
    `logZ ${a.logZ} vs ${b.logZ}, mass ${a.mass} vs ${b.mass}`,
  );
  let worst = 0;
  for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(a.probs[v] - b.probs[v]) / a.probs[v]);
  assert.ok(worst < 1e-6, `probabilities differ by ${worst} (relative)`);
});

test('compare refuses logits outside the workspace buffer', () => {
  const work = klWorkspace(1, 16, 16);
  setReference(work.table, 0, new Float32Array(16));
  assert.throws(() => work.compare(0, new Float32Array(16), 0, 0), /logitsBuffer/);
});

test('the committed kernels are the ones tools/wasm/klKernel.mjs builds', async () => {
  const { klKernelBytes } = await import('../../../tools/wasm/klKernel.mjs');
  assert.equal(Buffer.from(await klKernelBytes()).toString('base64'), KL_KERNEL_WASM);
  assert.equal(Buffer.from(await klKernelBytes({ relaxed: true })).toString('base64'), KL_KERNEL_WASM_RELAXED);
});

test('without relaxed SIMD the workspace falls back to SIMD; with it, this file passes on the relaxed kernel too', {
  skip: hasRelaxed && 'relaxed SIMD is tested in-process',
}, () => {
  assert.equal(klWorkspace(1, 16, 16, { kernel: 'wasm-relaxed-simd' }).kernel, 'wasm-simd');
  // Node 20 has relaxed SIMD behind a V8 flag: run this file again with it (it then tests both kernels in-process).
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // report as a plain run, not to this test runner
  const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', __filename], {
    encoding: 'utf8',
    timeout: 120_000,
    env,
  });
  assert.equal(child.status, 0, child.stdout + child.stderr);
  assert.match(
    child.stdout,
    /ok \d+ - wasm-relaxed-simd comparisons equal the float64 loop to 1e-6 bits \(vocabulary 50257\)/,
  );
  assert.doesNotMatch(child.stdout, /not ok/);
});
