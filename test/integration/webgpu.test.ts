/**
 * Every analysis on WebGPU equals the CPU (1e-3 bits per token, 1e-3 bits per flow cell), records
 * device "webgpu", and releases every GPU tensor it made exactly once (the engine's ledger). Runs where
 * a WebGPU adapter exists (CI installs Mesa's lavapipe, a software Vulkan driver, so the tiny fixtures
 * only); elsewhere each test is skipped with the reason, unless SEMANTIC_FLOW_GPU_TESTS=required (CI),
 * where a missing adapter is a failure.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { compareModels } from '../../src/core/comparison';
import { directedInformation } from '../../src/core/directedInformation';
import { generate } from '../../src/core/generation';
import { occlusionFlow } from '../../src/core/occlusionFlow';
import { PrefixCache } from '../../src/core/prefixReuse';
import type { AnalysisResult } from '../../src/core/result';
import { redoOnCpu } from '../../src/engines/onnx/deviceFailure';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import type { OrtSession } from '../../src/engines/onnx/ortSession';
import { RemoteModel } from '../../src/engines/remote/remoteModel';
import { startServer } from '../../src/engines/remote/server';
import { run } from '../../src/cli/run';
import type { CliIo } from '../../src/cli/io';

const FIX = join(__dirname, '..', 'fixtures', 'models');
const TINY = join(FIX, 'tiny-gpt2'),
  TINY_B = join(FIX, 'tiny-gpt2-b');
const TEXT =
  'def add(a, b):\n    return a + b\n\nThe café serves tea at noon. The quick brown fox jumps over the lazy dog.';
const TOL = 1e-3;

let cpu: OnnxModel, gpu: OnnxModel;
let skip: string | null = null;

before(async () => {
  cpu = await OnnxModel.load({ modelDir: TINY, threads: 1 });
  gpu = await OnnxModel.load({ modelDir: TINY, device: 'webgpu' });
  if (gpu.info.device !== 'webgpu') skip = `no WebGPU adapter on this machine (${gpu.info.fallbackReason})`;
  if (skip && process.env.SEMANTIC_FLOW_GPU_TESTS === 'required')
    throw new Error(`SEMANTIC_FLOW_GPU_TESTS=required, but ${skip}`);
});
after(async () => {
  await cpu?.dispose();
  await gpu?.dispose();
});

/** Every GPU tensor the engine made was released, and none twice. */
function allReleased(m: OnnxModel, what: string): void {
  assert.equal(m.deviceTensors.liveCount, 0, `${what}: GPU tensors still held`);
  assert.equal(m.deviceTensors.repeatedReleases, 0, `${what}: a GPU tensor released twice`);
}

function near(a: number | null, b: number | null, what: string, tol = TOL): void {
  if (a === null || b === null) return assert.equal(a, b, what);
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

function sameTokens(g: AnalysisResult, c: AnalysisResult): void {
  assert.equal(g.model.device, 'webgpu');
  assert.equal(c.model.device, 'cpu');
  assert.equal(g.tokens.length, c.tokens.length);
  g.tokens.forEach((t, i) => {
    const r = c.tokens[i];
    assert.deepEqual([t.id, t.start, t.end], [r.id, r.start, r.end], `token ${i}`);
    near(t.surprisalBits, r.surprisalBits, `surprisal ${i}`);
    near(t.entropyBits, r.entropyBits, `entropy ${i}`);
    near(t.varentropyBits2, r.varentropyBits2, `varentropy ${i}`, 1e-2);
    assert.deepEqual(
      t.topK?.map((x) => x.id),
      r.topK?.map((x) => x.id),
      `top-k ${i}`,
    );
  });
}

function gpuTest(name: string, fn: () => Promise<void>): void {
  test(name, async (t: TestContext) => {
    if (skip) return t.skip(skip);
    const entered = gpu.deviceTensors.entered;
    await fn();
    assert.ok(gpu.deviceTensors.entered > entered, 'the analysis kept tensors on the GPU');
    allReleased(gpu, name);
  });
}

gpuTest('analyze in KV-cache chunks: every token equals the CPU', async () => {
  const [g, c] = [
    await gpu.analyze(TEXT, { chunkSize: 8, topK: 5 }),
    await cpu.analyze(TEXT, { chunkSize: 8, topK: 5 }),
  ];
  sameTokens(g, c);
  assert.equal(g.model.measureKernel, 'onnx');
});

gpuTest('live re-scoring reuses the prefix KV cache (cut on the GPU) and equals a fresh CPU analysis', async () => {
  const cache = new PrefixCache();
  try {
    await analyzeText(TEXT, gpu, { prefixCache: cache });
    const edited = TEXT.replace('lazy dog', 'sleepy cat');
    const g = await analyzeText(edited, gpu, { prefixCache: cache });
    assert.ok(cache.lastStats!.reusedTargets > 10, `reused ${cache.lastStats!.reusedTargets} targets`);
    sameTokens(g, await cpu.analyze(edited));
  } finally {
    cache.dispose();
  }
});

gpuTest('directed information: iota and KL per response token equal the CPU', async () => {
  const input = {
    prompt: 'Question: what does the fox do?\n',
    response: 'The quick brown fox jumps over the lazy dog.',
  };
  const [g, c] = [
    await directedInformation(gpu, input, { chunkSize: 8 }),
    await directedInformation(cpu, input, { chunkSize: 8 }),
  ];
  sameTokens(g, c);
  g.di!.tokens.forEach((t, i) => {
    near(t.iotaBits, c.di!.tokens[i].iotaBits, `iota ${i}`);
    near(t.klBits, c.di!.tokens[i].klBits, `KL ${i}`);
  });
});

gpuTest('generation with live flow and Monte Carlo F(t): the same tokens, iota and KL as the CPU', async () => {
  const greedy = { maxTokens: 10, greedy: true };
  const [g, c] = [await generate(gpu, 'The quick brown', greedy), await generate(cpu, 'The quick brown', greedy)];
  assert.deepEqual(
    g.generation!.tokens.map((t) => t.id),
    c.generation!.tokens.map((t) => t.id),
  );
  g.generation!.tokens.forEach((t, i) => {
    near(t.iotaBits, c.generation!.tokens[i].iotaBits, `iota ${i}`);
    near(t.klBits, c.generation!.tokens[i].klBits, `KL ${i}`);
  });
  const mc = { maxTokens: 8, samples: 3, seed: 7 };
  const [gm, cm] = [await generate(gpu, 'The quick brown', mc), await generate(cpu, 'The quick brown', mc)];
  const gs = gm.generation!.sampleDetails!,
    cs = cm.generation!.sampleDetails!;
  assert.equal(gs.length, 3);
  gs.forEach((s, k) => {
    assert.deepEqual(s.tokenIds, cs[k].tokenIds, `sample ${k}`);
    s.klBits.forEach((x, i) => near(x, cs[k].klBits[i], `sample ${k} KL ${i}`));
  });
  gm.generation!.expectedFlowBits.forEach((x, i) => near(x, cm.generation!.expectedFlowBits[i], `F(${i})`));
});

gpuTest(
  'occlusion flow with KV reuse (prefix cut and batch tiled on the GPU), rows compared on the GPU: every cell equals the float64 JavaScript path',
  async () => {
    const text = 'The quick brown fox jumps over the lazy dog. It was not amused.';
    const o = { unit: 'word' as const, maxBatch: 4 };
    const bytesBefore = gpu.deviceTensors.bytesToCpu;
    const g = await occlusionFlow(gpu, text, o);
    const bytesBack = gpu.deviceTensors.bytesToCpu - bytesBefore;
    const c = await occlusionFlow(cpu, text, { ...o, kernel: 'js' });
    assert.equal(g.model.device, 'webgpu');
    assert.equal(g.flow!.kvReuse, true);
    assert.equal(g.flow!.comparisons, 'device', 'rows compared on the GPU');
    assert.equal(c.flow!.comparisons, 'js');
    assert.ok(g.flow!.passes! > 2, 'occluded passes ran');
    // Copying the rows back brings a vocabulary row per cell (400 floats here); the device sends five floats
    // per cell, and the clean pass's measures: at most 16 floats per cell in all.
    const cells = g.flow!.phiBits.flat().length;
    assert.ok(bytesBack <= cells * 16 * 4, `${bytesBack} bytes came back for ${cells} cells`);
    g.flow!.phiBits.forEach((row, j) =>
      row.forEach((x, t) => {
        near(x, c.flow!.phiBits[j][t], `phi ${j}→${t}`);
        near(g.flow!.expectedBits[j][t], c.flow!.expectedBits[j][t], `KL ${j}→${t}`);
      }),
    );
  },
);

gpuTest('comparing two models on the GPU: KL and Δ per token equal the CPU', async () => {
  const [gb, cb] = [
    await OnnxModel.load({ modelDir: TINY_B, device: 'webgpu' }),
    await OnnxModel.load({ modelDir: TINY_B, threads: 1 }),
  ];
  try {
    const [g, c] = [
      await compareModels(gpu, gb, TEXT, { chunkSize: 16 }),
      await compareModels(cpu, cb, TEXT, { chunkSize: 16 }),
    ];
    g.comparison!.tokens.forEach((t, i) => {
      near(t.klBits, c.comparison!.tokens[i].klBits, `KL ${i}`);
      near(t.deltaBits, c.comparison!.tokens[i].deltaBits, `delta ${i}`);
    });
    allReleased(gb, 'model B');
  } finally {
    await Promise.all([gb.dispose(), cb.dispose()]);
  }
});

gpuTest('serve: a WebGPU model behind the OpenAI-compatible server scores like the CPU model', async () => {
  const server = await startServer({ model: gpu, port: 0 });
  try {
    const remote = await RemoteModel.connect({ endpoint: server.url });
    const [r, c] = [await remote.analyze(TEXT, { topK: 5 }), await cpu.analyze(TEXT, { topK: 5 })];
    r.tokens.forEach((t, i) => near(t.surprisalBits, c.tokens[i].surprisalBits, `surprisal ${i}`));
  } finally {
    await server.close();
  }
});

function fakeIo(): CliIo & { err: string } {
  const io = {
    err: '',
    stdout: { write: () => {} },
    stderr: {
      write: (s: string) => {
        io.err += s;
      },
    },
    readStdin: async () => new Uint8Array(),
    env: {},
  };
  return io;
}

test('batch --device webgpu: analysis and directed information lines record webgpu and equal the CPU', async (t) => {
  if (skip) return t.skip(skip);
  const tmp = mkdtempSync(join(tmpdir(), 'sf-gpu-batch-'));
  const input = join(tmp, 'in.jsonl');
  writeFileSync(
    input,
    [
      { id: 'a', text: TEXT },
      { id: 'b', prompt: 'Say hi:\n', response: 'hi there, fox' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  const results: Record<string, AnalysisResult[]> = {};
  for (const device of ['webgpu', 'cpu']) {
    const io = fakeIo(),
      out = join(tmp, `${device}.jsonl`);
    assert.equal(await run(['batch', input, '--out', out, '--model', TINY, '--device', device], io), 0, io.err);
    results[device] = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  }
  results.webgpu.forEach((g, k) => {
    const c = results.cpu[k];
    assert.equal(g.model.device, 'webgpu');
    g.tokens.forEach((x, i) => near(x.surprisalBits, c.tokens[i].surprisalBits, `line ${k} surprisal ${i}`));
  });
  near(results.webgpu[1].di!.totalBits, results.cpu[1].di!.totalBits, 'DI total');
});

/** A stand-in session whose runs on a GPU throw from the `failFrom`-th on (1-based), as a lost device would. */
function failingFrom(failFrom: number) {
  return (s: OrtSession): OrtSession => {
    if (s.device === 'cpu') return s;
    const run = s.run.bind(s);
    let runs = 0;
    s.run = async (feeds, fetches) => {
      if (++runs >= failFrom) throw new Error('simulated device loss');
      return run(feeds, fetches);
    };
    return s;
  };
}

test('a GPU session whose self-check pass fails is never used: the model runs on the CPU and says why', async (t) => {
  if (skip) return t.skip(skip);
  const m = await OnnxModel.load({ modelDir: TINY, device: 'webgpu', onSession: failingFrom(1) });
  try {
    assert.equal(m.info.device, 'cpu');
    assert.equal(m.info.fallbackReason, 'WebGPU was not used: its self-check pass failed (simulated device loss).');
    const r = await m.analyze(TEXT);
    assert.deepEqual([r.model.device, r.model.requestedDevice], ['cpu', 'webgpu']);
    allReleased(m, 'self-check');
  } finally {
    await m.dispose();
  }
});

test('a GPU that fails in the middle of an analysis: the model moves to the CPU and the analysis is redone there', async (t) => {
  if (skip) return t.skip(skip);
  // run 1 is the self-check, runs 2–3 the first chunks; the fourth run fails half-way through the text.
  const m = await OnnxModel.load({ modelDir: TINY, device: 'webgpu', onSession: failingFrom(4) });
  try {
    assert.equal(m.info.device, 'webgpu');
    const cache = new PrefixCache();
    const r = await m.analyze(TEXT, { chunkSize: 8, prefixCache: cache });
    const c = await cpu.analyze(TEXT, { chunkSize: 8 });
    assert.equal(r.model.device, 'cpu');
    assert.equal(
      r.model.fallbackReason,
      'WebGPU failed during an analysis (simulated device loss); it was redone on the CPU, which runs this model from now on.',
    );
    assert.equal(m.info.device, 'cpu');
    r.tokens.forEach((x, i) => assert.equal(x.surprisalBits, c.tokens[i].surprisalBits, `surprisal ${i}`));
    allReleased(m, 'after the move');
    // Streamed (the CLI writes each token as it comes): the redo sends on only the tokens after those
    // already sent, so each index arrives once, in order, and the summary is the CPU's.
    const s = await OnnxModel.load({ modelDir: TINY, device: 'webgpu', onSession: failingFrom(4) });
    try {
      const sent: number[] = [];
      const streamed = await s.analyze(TEXT, { chunkSize: 8, keepTokens: false, onToken: (x) => sent.push(x.index) });
      assert.equal(streamed.model.device, 'cpu');
      assert.deepEqual(
        sent,
        c.tokens.map((x) => x.index),
      );
      assert.equal(streamed.summary.totalBits, c.summary.totalBits);
    } finally {
      await s.dispose();
    }
    // The core analyses redo the same way (the CLI and the worker wrap them in redoOnCpu).
    const g = await OnnxModel.load({ modelDir: TINY, device: 'webgpu', onSession: failingFrom(5) });
    try {
      const text = 'The quick brown fox jumps over the lazy dog.';
      const f = await redoOnCpu(() => occlusionFlow(g, text, { unit: 'word' }));
      const cf = await occlusionFlow(cpu, text, { unit: 'word' });
      assert.equal(f.model.device, 'cpu');
      assert.deepEqual(f.flow!.phiBits, cf.flow!.phiBits);
      allReleased(g, 'flow after the move');
    } finally {
      await g.dispose();
    }
    cache.dispose();
  } finally {
    await m.dispose();
  }
});

test('auto: a GPU where the machine has a GPU device, else the CPU at once with the reason in sentences', async () => {
  const started = Date.now();
  const m = await OnnxModel.load({ modelDir: TINY, device: 'auto' });
  try {
    assert.equal(m.info.requestedDevice, 'auto');
    if (!['/dev/dri', '/dev/nvidia0', '/dev/dxg'].some((p) => existsSync(p))) {
      assert.equal(m.info.device, 'cpu');
      assert.match(
        m.info.fallbackReason!,
        /^CUDA was not used: this machine has no NVIDIA GPU \(\/dev\/nvidia0\)\. WebGPU was not used: (no Vulkan loader \(libvulkan\.so\.1\) is installed|this machine has no GPU device .* ask for webgpu explicitly to use it anyway)\.$/,
      );
      assert.ok(Date.now() - started < 5000, 'no GPU was even tried');
    } else {
      assert.notEqual(m.info.device, 'cpu', `a GPU device exists; fallback: ${m.info.fallbackReason}`);
    }
  } finally {
    await m.dispose();
  }
});
