/** The engine on the built-in model against an independent onnxruntime-node computation (measures.md identities 1–4, 8). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { analyzeText } from '../../src/core/analyze';
import { builtinModelDir } from '../../src/engines/builtinModel';
import { rawLog2Probs } from '../helpers/rawOrt';

const DIR = builtinModelDir();
const TEXT = 'def add(a, b):\n    """Return the sum."""\n    return a + b\n\nThe café serves 日本語 tea 👍🏽 at noon.\r\n\tDone.';
let model: OnnxModel;

before(async () => { model = await OnnxModel.load({ modelDir: DIR }); });
after(async () => { await model.dispose(); });

test('chain rule: Σ surprisal equals −log2 p(text) from one raw ONNX Runtime pass (identity 1)', async () => {
  const r = await analyzeText(TEXT, model, { chunkSize: 16 });
  const ids = [model.info.bosTokenId!, ...r.tokens.map((t) => t.id)];
  assert.ok(ids.length <= model.info.contextWindow!, 'the text fits one window');
  const ref = await rawLog2Probs(DIR, ids);
  const refTotal = -ref.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(r.summary.totalBits - refTotal) < 1e-3, `${r.summary.totalBits} vs ${refTotal}`);
  r.tokens.forEach((t, i) => assert.ok(Math.abs(t.surprisalBits! + ref[i]) < 1e-4, `token ${i}: ${t.surprisalBits} vs ${-ref[i]}`));
});

test('KV-cache chunks equal one full pass to 1e-4 bits per token, and bits/byte does not depend on chunking (identities 2, 8)', async () => {
  const full = await analyzeText(TEXT, model, { chunkSize: 4096 });
  for (const chunkSize of [1, 7, 32]) {
    const r = await analyzeText(TEXT, model, { chunkSize });
    r.tokens.forEach((t, i) => {
      assert.ok(Math.abs(t.surprisalBits! - full.tokens[i].surprisalBits!) < 1e-4);
      assert.ok(Math.abs(t.entropyBits! - full.tokens[i].entropyBits!) < 1e-4);
    });
    assert.ok(Math.abs(r.summary.bitsPerByte! - full.summary.bitsPerByte!) < 1e-5);
  }
});

test('entropy bounds, rank-1 exactly at the argmax, top-k mass ≤ 1 (identity 3), spans reproduce the text (identity 4)', async () => {
  const r = await analyzeText(TEXT, model, { topK: 5 });
  const log2V = Math.log2(model.info.vocabSize);
  for (const t of r.tokens) {
    assert.ok(t.entropyBits! >= 0 && t.entropyBits! <= log2V);
    assert.equal(t.rank === 1, t.topK![0].id === t.id);
    assert.ok(t.topK!.reduce((a, k) => a + k.probability, 0) <= 1);
  }
  // spans may overlap only where a character is split; walking non-overlapping coverage reproduces the text
  let rebuilt = '', covered = 0;
  for (const t of r.tokens) {
    if (t.end > covered) { rebuilt += TEXT.slice(Math.max(covered, t.start), t.end); covered = t.end; }
  }
  assert.equal(rebuilt, TEXT);
  const emoji = r.tokens.filter((t) => t.text.includes('👍'));
  assert.ok(emoji.length >= 2, 'the emoji is split across byte-level tokens and each piece is widened to it');
});

test('a text longer than the 128-token window is scored by sliding windows and flagged', async () => {
  const long = Array.from({ length: 40 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.`).join('\n');
  const r = await analyzeText(long, model, { chunkSize: 64 });
  assert.ok(r.tokens.length > 300);
  assert.ok(r.tokens.every((t) => t.surprisalBits !== null && Number.isFinite(t.surprisalBits)));
  assert.equal(r.summary.truncatedContextTokens, r.tokens.length - (model.info.contextWindow! - 1));
});

test('measures reduced inside the ONNX graph equal the JavaScript reduction of the full logits', async () => {
  assert.equal(model.info.measureKernel, 'onnx');
  const js = await OnnxModel.load({ modelDir: DIR, fuseMeasures: false });
  try {
    assert.equal(js.info.measureKernel, 'js');
    const a = await analyzeText(TEXT, model, { topK: 4, chunkSize: 24 });
    const b = await analyzeText(TEXT, js, { topK: 4, chunkSize: 24 });
    a.tokens.forEach((t, i) => {
      const u = b.tokens[i];
      assert.ok(Math.abs(t.surprisalBits! - u.surprisalBits!) < 1e-4, `surprisal ${i}`);
      assert.ok(Math.abs(t.entropyBits! - u.entropyBits!) < 1e-4, `entropy ${i}`);
      assert.ok(Math.abs(t.varentropyBits2! - u.varentropyBits2!) < 1e-2 * Math.max(1, u.varentropyBits2!), `varentropy ${i}`);
      assert.equal(t.rank, u.rank, `rank ${i}`);
      assert.deepEqual(t.topK!.map((k) => k.id), u.topK!.map((k) => k.id), `top-k ${i}`);
    });
  } finally {
    await js.dispose();
  }
});
