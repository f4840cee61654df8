/** Clear, distinct errors for bad model folders, and the real device fallback on this machine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { builtinModelDir } from '../../src/engines/builtinModel';

const DIR = builtinModelDir();
const code = (c: string) => (e: Error & { code?: string }) => e.code === c;

function copyModel(): string {
  const d = mkdtempSync(join(tmpdir(), 'sf-model-'));
  cpSync(DIR, d, { recursive: true, filter: (s) => !s.endsWith('model_quantized.onnx') });
  return d;
}

test('a missing model folder names the folder', async () => {
  await assert.rejects(OnnxModel.load({ modelDir: '/nonexistent/model' }), (e: Error & { code?: string }) =>
    e.code === 'model-not-found' && e.message === 'Model folder not found: /nonexistent/model.');
});

test('a corrupt model.onnx is reported as corrupt, not as a crash', async () => {
  const d = copyModel();
  try {
    const good = readFileSync(join(d, 'onnx', 'model.onnx'));
    writeFileSync(join(d, 'onnx', 'model.onnx'), good.subarray(0, 4096)); // truncated
    await assert.rejects(OnnxModel.load({ modelDir: d }), (e: Error & { code?: string }) => e.code === 'model-corrupt' && /corrupt or not an ONNX model/.test(e.message));
    writeFileSync(join(d, 'onnx', 'model.onnx'), 'this is not onnx at all, just some text');
    await assert.rejects(OnnxModel.load({ modelDir: d }), (e: Error & { code?: string }) => e.code === 'model-corrupt' && /not a valid ONNX model/.test(e.message));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('missing files, unreadable config and a missing dtype each get their own message', async () => {
  const d = copyModel();
  try {
    await assert.rejects(OnnxModel.load({ modelDir: d, dtype: 'fp16' }), (e: Error) => /no onnx\/model_fp16\.onnx for dtype fp16; available dtypes: fp32/.test(e.message));
    writeFileSync(join(d, 'config.json'), '{ not json');
    await assert.rejects(OnnxModel.load({ modelDir: d }), (e: Error & { code?: string }) => e.code === 'model-corrupt' && /config\.json is not valid JSON/.test(e.message));
    rmSync(join(d, 'config.json'));
    await assert.rejects(OnnxModel.load({ modelDir: d }), (e: Error) => /has no config\.json/.test(e.message));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a tokenizer larger than the model output is refused as a mismatch', async () => {
  const d = copyModel();
  try {
    const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, vocab_size: 1000 }));
    await assert.rejects(OnnxModel.load({ modelDir: d }), code('tokenizer-mismatch'));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('asking for CUDA on a machine without its libraries falls back to CPU with the reason recorded', async () => {
  const m = await OnnxModel.load({ modelDir: DIR, device: 'cuda' });
  try {
    assert.equal(m.info.requestedDevice, 'cuda');
    assert.equal(m.info.device, 'cpu');
    assert.match(m.info.fallbackReason ?? '', /^cuda: /);
    const out = await m.forward({ inputIds: [[50256, 464]] });
    assert.equal(out.vocab, 50257);
  } finally {
    await m.dispose();
  }
});
