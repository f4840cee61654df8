/**
 * Hardening, models: the failures test/integration/engineErrors.test.ts does not reach, each with its own
 * message: a missing tokenizer or ONNX file, an empty ONNX file, an ONNX file that passes the checks but
 * that ONNX Runtime cannot load, a tokenizer.json that is JSON but no tokenizer, and a model exported
 * without past_key_values asked to reuse a cache. Uses the tiny fixture model (copied, never modified).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KvCache } from '../../src/core/scoringModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';

const FIX = join(__dirname, '..', 'fixtures', 'models');
type Coded = Error & { code?: string };

function copyTiny(): string {
  const d = mkdtempSync(join(tmpdir(), 'sf-hard-model-'));
  cpSync(join(FIX, 'tiny-gpt2'), d, { recursive: true });
  return d;
}

test('a folder without tokenizer.json, or without any ONNX file, names what is missing', async () => {
  const d = copyTiny();
  try {
    rmSync(join(d, 'tokenizer.json'));
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Coded) => e.code === 'model-not-found' && e.message === `The model folder ${d} has no tokenizer.json.`,
    );
    cpSync(join(FIX, 'tiny-gpt2', 'tokenizer.json'), join(d, 'tokenizer.json'));
    rmSync(join(d, 'onnx'), { recursive: true });
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Coded) =>
        e.code === 'model-not-found' &&
        e.message === `The model folder ${d} has no onnx/model.onnx for dtype fp32; it has no ONNX model at all.`,
    );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('an empty model.onnx is corrupt, with its size', async () => {
  const d = copyTiny();
  try {
    writeFileSync(join(d, 'onnx', 'model.onnx'), '');
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Coded) =>
        e.code === 'model-corrupt' &&
        e.message === `${join(d, 'onnx', 'model.onnx')} is not a valid ONNX model (only 0 bytes).`,
    );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('an ONNX file with a causal-LM signature that ONNX Runtime cannot load is reported as corrupt, not as a crash', async () => {
  const { Graph, DT } = await import(join(__dirname, '..', '..', 'tools', 'fixtures', 'onnxWriter.mjs'));
  const g = new Graph('broken');
  g.input('input_ids', DT.int64, ['batch', 'seq']);
  g.input('attention_mask', DT.int64, ['batch', 'seq']);
  g.output(g.op('NoSuchOperatorAnywhere', ['input_ids']), DT.float, ['batch', 'seq', 400], 'logits');
  const d = copyTiny();
  try {
    rmSync(join(d, 'onnx', 'model_quantized.onnx'));
    writeFileSync(join(d, 'onnx', 'model.onnx'), g.toBytes());
    const logged: string[] = [];
    await assert.rejects(
      OnnxModel.load({ modelDir: d, log: (m) => logged.push(m) }),
      (e: Coded) =>
        e.code === 'model-corrupt' &&
        e.message.startsWith(`The ONNX model in ${d} could not be loaded: it is corrupt or not an ONNX model (`) &&
        !e.message.includes('\n'),
    );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a tokenizer.json that is JSON but not a tokenizer is reported as a tokenizer problem', async () => {
  const d = copyTiny();
  try {
    writeFileSync(join(d, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'NoSuchModel' } }));
    await assert.rejects(
      OnnxModel.load({ modelDir: d }),
      (e: Coded) =>
        e.code === 'model-corrupt' &&
        e.message.startsWith(`The tokenizer in ${d} could not be loaded (`) &&
        !e.message.includes('\n'),
    );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a model exported without past_key_values: no KV cache in its info, and a cache handed to it is refused by name', async () => {
  const m = await OnnxModel.load({ modelDir: join(FIX, 'tiny-gpt2-nopast') });
  try {
    assert.equal(m.info.kvCache, false);
    const out = await m.forward({ inputIds: [[399, 84, 104]], keepCache: true });
    assert.equal(out.cache, null, 'no cache comes back from a model that has none');
    const fake: KvCache = { length: 3, batch: 1, dispose() {} };
    await assert.rejects(
      m.forward({ inputIds: [[101]], past: fake }),
      (e: Coded) =>
        e.code === 'unsupported-model' &&
        e.message === 'The model tiny-gpt2-nopast was exported without past_key_values, so it cannot reuse a KV cache.',
    );
    const r = await m.analyze('A model without a cache still scores every token.', { chunkSize: 4 });
    assert.equal(r.summary.scoredTokens, r.tokens.length);
  } finally {
    await m.dispose();
  }
});
