/** Clear, distinct errors for bad model folders, and the real device fallback on this machine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync, rmSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { builtinModelDir } from '../../src/engines/builtinModel';
import { formatBytes } from '../../src/core/units';

const DIR = builtinModelDir();

function copyModel(): string {
  const d = mkdtempSync(join(tmpdir(), 'sf-model-'));
  cpSync(DIR, d, { recursive: true, filter: (s) => !s.endsWith('model_quantized.onnx') });
  return d;
}

test('a missing model folder names the folder', async () => {
  await assert.rejects(
    OnnxModel.load({ modelDir: '/nonexistent/model' }),
    (e: Error & { code?: string }) =>
      e.code === 'model-not-found' && e.message === 'Model folder not found: /nonexistent/model.',
  );
});

test('a corrupt model.onnx is reported as corrupt, not as a crash', async () => {
  const d = copyModel();
  try {
    const good = readFileSync(join(d, 'onnx', 'model.onnx'));
    const file = join(d, 'onnx', 'model.onnx');
    writeFileSync(file, good.subarray(0, 4096)); // truncated
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Error & { code?: string }) =>
        e.code === 'model-corrupt' && e.message.startsWith(`${file} is not a valid ONNX model`),
    );
    writeFileSync(file, 'this is not onnx at all, just some text');
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Error & { code?: string }) =>
        e.code === 'model-corrupt' && /not a valid ONNX model \(unexpected header\)/.test(e.message),
    );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

/** A model folder whose ONNX graph has only the given inputs and outputs (built with the fixture writer). */
async function folderWithGraph(inputs: string[], output: string): Promise<string> {
  const { Graph, DT } = await import(join(__dirname, '..', '..', 'tools', 'fixtures', 'onnxWriter.mjs'));
  const g = new Graph('bad');
  for (const i of inputs) g.input(i, DT.int64, ['batch', 'seq']);
  const w = g.init('w', DT.float, [50257, 2], new Float32Array(50257 * 2));
  g.output(g.op('Gather', [w, 'input_ids'], { axis: 0 }), DT.float, ['batch', 'seq', 2], output);
  const d = copyModel();
  writeFileSync(join(d, 'onnx', 'model.onnx'), g.toBytes());
  return d;
}

test('an export that is not a causal LM is refused before loading, naming what is missing', async () => {
  const noMask = await folderWithGraph(['input_ids'], 'logits');
  const noLogits = await folderWithGraph(['input_ids', 'attention_mask'], 'last_hidden_state');
  try {
    await assert.rejects(
      OnnxModel.load({ modelDir: noMask }),
      (e: Error & { code?: string }) =>
        e.code === 'unsupported-model' && e.message.includes('has no input "attention_mask" (its inputs: input_ids)'),
    );
    await assert.rejects(
      OnnxModel.load({ modelDir: noLogits }),
      (e: Error & { code?: string }) =>
        e.code === 'unsupported-model' && e.message.includes('has no "logits" output (its outputs: last_hidden_state)'),
    );
  } finally {
    for (const d of [noMask, noLogits]) rmSync(d, { recursive: true, force: true });
  }
});

test('a model larger than the memory limit is refused before loading, both sizes in readable units', async () => {
  const bytes = statSync(join(DIR, 'onnx', 'model.onnx')).size;
  const limit = Math.floor(bytes / 2);
  await assert.rejects(
    OnnxModel.load({ modelDir: DIR, maxModelBytes: limit }),
    (e: Error & { code?: string }) =>
      e.code === 'too-large' &&
      e.message.includes(`is ${formatBytes(bytes)}, more than the ${formatBytes(limit)} this machine can load safely`),
  );
  assert.match(formatBytes(bytes), /^\d+(\.\d+)? (kB|MB)$/);
});

test('missing files, unreadable config and a missing dtype each get their own message', async () => {
  const d = copyModel();
  try {
    await assert.rejects(OnnxModel.load({ modelDir: d, dtype: 'fp16' }), (e: Error) =>
      /no onnx\/model_fp16\.onnx for dtype fp16; available dtypes: fp32/.test(e.message),
    );
    writeFileSync(join(d, 'config.json'), '{ not json');
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Error & { code?: string }) => e.code === 'model-corrupt' && /config\.json is not valid JSON/.test(e.message),
    );
    rmSync(join(d, 'config.json'));
    await assert.rejects(OnnxModel.load({ modelDir: d }), (e: Error) => /has no config\.json/.test(e.message));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a tokenizer that does not belong to the model is refused, in both directions', async () => {
  const tiny = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
  const d = copyModel();
  try {
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(tiny, f), join(d, f));
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Error & { code?: string }) =>
        e.code === 'tokenizer-mismatch' &&
        e.message.endsWith('has 400 tokens but the model predicts 50257; the tokenizer does not belong to this model.'),
    );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
  const t = mkdtempSync(join(tmpdir(), 'sf-model-'));
  try {
    cpSync(tiny, t, { recursive: true });
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(DIR, f), join(t, f));
    await assert.rejects(
      OnnxModel.load({ modelDir: t }),
      (e: Error & { code?: string }) =>
        e.code === 'tokenizer-mismatch' && /has 50257 tokens but the model predicts 400/.test(e.message),
    );
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test('asking for CUDA on a machine without its libraries falls back to CPU with the reason recorded', async () => {
  const m = await OnnxModel.load({ modelDir: DIR, device: 'cuda' });
  try {
    assert.equal(m.info.requestedDevice, 'cuda');
    assert.equal(m.info.device, 'cpu');
    const installer = join(dirname(require.resolve('onnxruntime-node/package.json')), 'script', 'install.js');
    assert.equal(
      m.info.fallbackReason,
      `CUDA was not used: ONNX Runtime's CUDA provider is not installed (libonnxruntime_providers_cuda.so is missing); to add it (needs CUDA 12 and the network), run node ${installer} --onnxruntime-node-install=cuda12.`,
    );
    const out = await m.forward({ inputIds: [[50256, 464]] });
    assert.equal(out.vocab, 50257);
  } finally {
    await m.dispose();
  }
});
