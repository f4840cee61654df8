/**
 * ONNX Runtime's prepacking of weights, on by default, off with `prepack: false` (the CLI's --no-prepack):
 * off, creating the engine's kind of session does not grow the process by a packed copy of the weights (here
 * a GPT-2 whose 50,257 × 256 tied head is 49 MB, packed beside the embedding when on), and the surprisal of
 * every token still equals that of a bare onnxruntime-node session (rawOrt.ts) to float32 precision.
 * On, the engine still holds that tied embedding once (tiedEmbedding.ts): its load grows the process by
 * about as much with prepacking as without, and the surprisals are unchanged.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { builtinModelDir } from '../../src/engines/builtinModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { withTiedEmbeddingUnpacked } from '../../src/engines/onnx/tiedEmbedding';
import { readWeightlessModel } from '../../src/engines/onnx/weightlessModel';
import { rawLog2Probs } from '../helpers/rawOrt';

const root = join(__dirname, '..', '..');
const HEAD_MB = (50257 * 256 * 4) / 2 ** 20;

async function wideHeadModel(dir: string): Promise<void> {
  const { writeGpt2Model } = await import(join(root, 'tools', 'fixtures', 'gpt2Onnx.mjs'));
  writeGpt2Model(dir, {
    layers: 1,
    embd: 256,
    heads: 4,
    positions: 64,
    vocab: 50257,
    eosId: 50256,
    seed: 3,
    past: true,
    q8: false,
  });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(builtinModelDir(), f), join(dir, f));
}

const sessionGrowthMb = (dir: string, mode: 'on' | 'off' | 'engine-on' | 'engine-off'): number =>
  JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'test/helpers/prepackProbe.ts'), dir, mode], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    })
      .trim()
      .split('\n')
      .at(-1)!,
  ).grownMb;

// One model for both tests (writing it is the slow part); removed after them.
const dir = mkdtempSync(join(tmpdir(), 'sf-prepack-'));
before(() => wideHeadModel(dir));
after(() => rmSync(dir, { recursive: true, force: true }));

test('without prepacking the session holds no packed copy of the head, and the surprisal is unchanged', {
  timeout: 180_000,
}, async () => {
  const on = sessionGrowthMb(dir, 'on'),
    off = sessionGrowthMb(dir, 'off');
  assert.ok(on > 0.8 * HEAD_MB, `prepacked: the session grew the process by ${on.toFixed(1)} MB`);
  assert.ok(off < on - 0.6 * HEAD_MB, `not prepacked: ${off.toFixed(1)} MB against ${on.toFixed(1)} MB prepacked`);
  await expectRawSurprisals(dir, false);
});

test('with prepacking the engine holds the tied embedding once (no packed copy of the head), surprisal unchanged', {
  timeout: 180_000,
}, async () => {
  const { tied } = withTiedEmbeddingUnpacked(readWeightlessModel(join(dir, 'onnx', 'model.onnx')).bytes);
  assert.deepEqual(tied, ['transformer.wte.weight']);
  const on = sessionGrowthMb(dir, 'engine-on'),
    off = sessionGrowthMb(dir, 'engine-off');
  assert.ok(
    on < off + 0.4 * HEAD_MB,
    `the engine's load grew the process by ${on.toFixed(1)} MB, ${off.toFixed(1)} MB without prepacking`,
  );
  await expectRawSurprisals(dir, true);
});

/** The engine's surprisal of every token equals a bare onnxruntime-node session's (rawOrt.ts) to float32 precision. */
async function expectRawSurprisals(dir: string, prepack: boolean): Promise<void> {
  const model = await OnnxModel.load({ modelDir: dir, device: 'cpu', prepack });
  try {
    const text = 'The flow of information through a model, in bits.';
    const r = await model.analyze(text);
    const bos = model.info.bosTokenId;
    assert.notEqual(bos, null);
    const raw = await rawLog2Probs(dir, [bos!, ...r.tokens.map((t) => t.id)]);
    assert.equal(r.tokens.length, raw.length);
    r.tokens.forEach((t, i) => {
      // random weights make surprisals of 50+ bits: float32 sums in another order agree to ~1e-6 of them
      const tolerance = 1e-4 + 1e-5 * Math.abs(raw[i]);
      assert.ok(Math.abs(t.surprisalBits! + raw[i]) < tolerance, `token ${i}: ${t.surprisalBits} vs ${-raw[i]}`);
    });
  } finally {
    await model.dispose();
  }
}
