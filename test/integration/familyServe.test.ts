/**
 * The model families through compare (across families: bits per byte), serve (the remote engine
 * against `serve` on each family gives the local numbers) and batch (JSONL in, one result per line).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareAcrossTokenizers } from '../../src/core/crossComparison';
import { directedInformation } from '../../src/core/directedInformation';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { startServer } from '../../src/engines/remote/server';
import { RemoteModel } from '../../src/engines/remote/remoteModel';
import { run } from '../../src/cli/run';
import { captureIo as fakeIo } from '../helpers/captureIo';
import { FAMILIES, FAMILY_TEXT, MODELS } from '../helpers/families';
import { rawLog2Probs } from '../helpers/rawOrt';

const tmp = mkdtempSync(join(tmpdir(), 'sf-families-'));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('compare across families: each model bits/byte is −log2 p(text) from raw passes over its own tokens, per line too', async () => {
  const [a, b] = await Promise.all(
    ['tiny-llama-instruct', 'tiny-qwen2-instruct'].map((n) =>
      OnnxModel.load({ modelDir: join(MODELS, n), threads: 1 }),
    ),
  );
  try {
    const r = await compareAcrossTokenizers(a, b, FAMILY_TEXT);
    const c = r.crossComparison!;
    const bytes = Buffer.byteLength(FAMILY_TEXT);
    for (const [m, bits, perByte] of [
      [a, c.totalBitsA, c.bitsPerByteA],
      [b, c.totalBitsB, c.bitsPerByteB],
    ] as const) {
      const raw = await rawLog2Probs(join(MODELS, m.info.id), [m.info.bosTokenId!, ...m.tokenize(FAMILY_TEXT).ids]);
      assert.ok(Math.abs(bits + sum(raw)) < 1e-3, `${m.info.id}: ${bits} vs ${-sum(raw)}`);
      assert.ok(Math.abs(perByte! - bits / bytes) < 1e-9);
    }
    assert.notEqual(c.tokensA, c.tokensB, 'two tokenizations of one text');
    assert.equal(sum(c.lines.map((l) => l.bytes)), bytes, 'the lines tile the text');
    assert.ok(
      Math.abs(sum(c.lines.map((l) => l.bitsA)) - c.totalBitsA) < 1e-6 &&
        Math.abs(sum(c.lines.map((l) => l.bitsB)) - c.totalBitsB) < 1e-6,
    );
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
  // the CLI compares across tokenizers instead of refusing
  const file = join(tmp, 'text.txt');
  writeFileSync(file, FAMILY_TEXT);
  const io = fakeIo();
  assert.equal(
    await run(
      [
        'compare',
        '--model',
        join(MODELS, 'tiny-llama-instruct'),
        '--model-b',
        join(MODELS, 'tiny-qwen2-instruct'),
        '--format',
        'table',
        file,
      ],
      io,
    ),
    0,
    io.err,
  );
  assert.match(io.out, /do not share a tokenizer, so they are compared per UTF-8 byte/);
  assert.match(
    io.out,
    /\nA = tiny-llama-instruct \(fp32\): \d+ tokens, [\d.]+ bits, [\d.]+ bits\/byte\nB = tiny-qwen2-instruct \(fp32\): \d+ tokens/,
  );
});

for (const name of FAMILIES) {
  const dir = join(MODELS, name);

  test(`${name}: serve gives the remote engine the local surprisal, rank and spans; batch writes the local results`, async () => {
    const local = await OnnxModel.load({ modelDir: dir, threads: 1 });
    const server = await startServer({ model: local, port: 0 });
    try {
      const remote = await RemoteModel.connect({ endpoint: server.url });
      assert.equal(remote.info.vocabSize, local.info.vocabSize);
      const r = await remote.analyze(FAMILY_TEXT, { topK: 3 });
      const ref = await local.analyze(FAMILY_TEXT, { topK: 3 });
      assert.equal(r.tokens.length, ref.tokens.length);
      r.tokens.forEach((t, i) => {
        const x = ref.tokens[i];
        assert.deepEqual([t.start, t.end, t.text], [x.start, x.end, x.text], `span ${i}`);
        assert.ok(Math.abs(t.surprisalBits! - x.surprisalBits!) < 1e-4, `surprisal ${i}`);
        assert.equal(t.rank, x.rank, `rank ${i}`);
      });
    } finally {
      await server.close();
    }
    try {
      const input = join(tmp, `${name}.jsonl`),
        out = join(tmp, `${name}.out.jsonl`);
      writeFileSync(
        input,
        `${JSON.stringify({ id: 't', text: FAMILY_TEXT })}\n${JSON.stringify({ id: 'd', prompt: 'Where did they walk?\n', response: 'Along the river.' })}\n`,
      );
      const io = fakeIo();
      assert.equal(await run(['batch', input, '--out', out, '--model', dir], io), 0, io.err);
      const [t, d] = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const ref = await local.analyze(FAMILY_TEXT);
      assert.equal(t.id, 't');
      assert.ok(Math.abs(t.summary.totalBits - ref.summary.totalBits) < 1e-3);
      const di = await directedInformation(local, { prompt: 'Where did they walk?\n', response: 'Along the river.' });
      assert.ok(Math.abs(d.di.totalBits - di.di!.totalBits) < 1e-3, `${d.di.totalBits} vs ${di.di!.totalBits}`);
    } finally {
      await local.dispose();
    }
  });
}
