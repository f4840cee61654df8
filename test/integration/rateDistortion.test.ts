/**
 * Rate–distortion of a quantised model (measures.md, "Rate–distortion", identity 9): the CLI on the
 * every-dtype fixture and on the built-in model, checked against the GPT-2 parameter formula, the files on
 * disk and `compare --dtype-b`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';
import type { AnalysisResult } from '../../src/core/result';
import { modelVariants, parameterCount, referenceParameters } from '../../src/engines/onnx/modelVariants';

const MODELS = join(__dirname, '..', 'fixtures', 'models');
const DTYPES = join(MODELS, 'tiny-gpt2-dtypes');
const BUILTIN = join(__dirname, '..', '..', 'models', 'semantic-flow-mini');

const fakeIo = () => captureIo({ env: { SEMANTIC_FLOW_CACHE: mkdtempSync(join(tmpdir(), 'sf-rd-cache-')) } });

const tmp = mkdtempSync(join(tmpdir(), 'sf-rd-'));
const TEXT = join(tmp, 'text.txt');
writeFileSync(
  TEXT,
  'The river was low that summer, and the children walked along its stony bed.\ndef add(a, b):\n    return a + b\n',
);

/** HF GPT-2's parameter count from its config (tied lm_head counted once). */
function gpt2Parameters(dir: string): number {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const E = c.n_embd,
    block = 2 * E + (3 * E * E + 3 * E) + (E * E + E) + 2 * E + (4 * E * E + 4 * E) + (4 * E * E + E);
  return c.vocab_size * E + c.n_positions * E + c.n_layer * block + 2 * E;
}

async function cli(argv: string[]): Promise<AnalysisResult> {
  const io = fakeIo();
  assert.equal(await run(argv, io), 0, io.err);
  return JSON.parse(io.out);
}

test("parameters are the fp32 graph's weight elements: the GPT-2 formula for every fixture and the built-in model", () => {
  for (const name of ['tiny-gpt2', 'tiny-gpt2-dtypes'])
    assert.equal(referenceParameters(join(MODELS, name)), gpt2Parameters(join(MODELS, name)), name);
  assert.equal(parameterCount(readFileSync(join(BUILTIN, 'onnx', 'model.onnx'))), gpt2Parameters(BUILTIN));
  // the q8 graph stores its weights as int8: they are not counted as float weights
  assert.ok(parameterCount(readFileSync(join(DTYPES, 'onnx', 'model_quantized.onnx'))) < gpt2Parameters(DTYPES) / 2);
});

test('rate-distortion on a model in every dtype: one point per file, rates from the bytes on disk, fp32 at zero, q8 equal to compare --dtype-b q8', async () => {
  // a copy of the fixture with one more variant outside the four dtype names (the q8 graph as model_int8.onnx)
  const dir = join(tmp, 'every-dtype');
  cpSync(DTYPES, dir, { recursive: true });
  copyFileSync(join(dir, 'onnx', 'model_quantized.onnx'), join(dir, 'onnx', 'model_int8.onnx'));
  const r = await cli(['rate-distortion', '--model', dir, '--format', 'json', '--resamples', '200', TEXT]);
  const rd = r.rateDistortion!;
  const N = gpt2Parameters(DTYPES);
  assert.equal(rd.parameters, N);
  assert.deepEqual(rd.points.map((p) => p.variant).sort(), ['fp16', 'fp32', 'int8', 'q4', 'q8']);
  // ordered as their files are: ascending bytes on disk, and the rate is 8 × those bytes / N
  const sizes = rd.points.map((p) => statSync(join(dir, p.file)).size);
  assert.deepEqual(
    sizes,
    [...sizes].sort((a, b) => a - b),
  );
  rd.points.forEach((p, i) => assert.ok(Math.abs(p.bitsPerWeight - (8 * sizes[i]) / N) < 1e-12, p.variant));
  assert.deepEqual(rd.points.map((p) => p.variant).slice(0, 2), ['q4', 'fp16']);

  const point = (v: string) => rd.points.find((p) => p.variant === v)!;
  const fp32 = point('fp32');
  assert.equal(fp32.meanKlBits, 0);
  assert.equal(fp32.deltaBitsPerByte, 0);
  assert.deepEqual([...fp32.klInterval, ...fp32.deltaInterval], [0, 0, 0, 0]);
  assert.equal(fp32.tokens, r.tokens.length);

  const cmp = await cli(['compare', '--model', dir, '--dtype-b', 'q8', '--format', 'json', TEXT]);
  const kappas = cmp.comparison!.tokens.map((t) => t.klBits).filter((k): k is number => k !== null);
  const mean = kappas.reduce((a, b) => a + b, 0) / kappas.length;
  assert.ok(Math.abs(point('q8').meanKlBits - mean) < 1e-12, `${point('q8').meanKlBits} vs compare ${mean}`);
  assert.ok(mean > 1e-5, 'q8 differs from fp32');
  // worst tokens: the compare run's largest kappas, largest first, pointing at their tokens
  const top = [...kappas].sort((a, b) => b - a).slice(0, point('q8').worst.length);
  point('q8').worst.forEach((w, i) => {
    assert.ok(Math.abs(w.klBits - top[i]) < 1e-12);
    assert.equal(w.token, r.text.slice(w.start, w.end));
    assert.equal(cmp.comparison!.tokens[w.index].klBits, w.klBits);
  });
  // Δ bits/byte from compare's delta (log2 p_fp32 − log2 p_q8) over the text's bytes
  const bytes = Buffer.byteLength(readFileSync(TEXT, 'utf8'));
  assert.ok(Math.abs(point('q8').deltaBitsPerByte + cmp.comparison!.totalDeltaBits! / bytes) < 1e-12);
  const [lo, hi] = point('q8').klInterval;
  assert.ok(lo <= point('q8').meanKlBits && point('q8').meanKlBits <= hi && lo < hi);

  // the file outside the four names loads through its own path and gives the q8 graph's numbers
  assert.ok(Math.abs(point('int8').meanKlBits - point('q8').meanKlBits) < 1e-9);
  // q4 loses more than fp16
  assert.ok(point('q4').meanKlBits > point('fp16').meanKlBits);
});

test('rate-distortion table: one row per variant and the worst tokens with file:line:column', async () => {
  const io = fakeIo();
  assert.equal(
    await run(
      ['rate-distortion', '--model', DTYPES, '--format', 'table', '--worst', '2', '--resamples', '50', TEXT],
      io,
    ),
    0,
    io.err,
  );
  const rows = io.out.split('\n').filter((l) => /^(fp32|fp16|q8|q4)\s/.test(l));
  assert.deepEqual(
    rows.map((l) => l.split(/\s+/)[0]),
    modelVariants(DTYPES).map((v) => v.name),
  );
  assert.match(io.out, /rate = 8 × bytes \/ 5,216 parameters/);
  assert.match(io.out, /largest KL, q4:\n\s+[\d.]+ bits\s+\S+\s+\S+text\.txt:\d+:\d+/);
});

test('rate-distortion refuses a folder without fp32, a --dtype, and no FILE, with one message each', async () => {
  const noFp32 = join(tmp, 'no-fp32');
  cpSync(DTYPES, noFp32, { recursive: true });
  rmSync(join(noFp32, 'onnx', 'model.onnx'));
  for (const [argv, message] of [
    [
      ['rate-distortion', '--model', noFp32, TEXT],
      /has no onnx\/model\.onnx: rate–distortion compares every variant with the fp32 model/,
    ],
    [['rate-distortion', '--model', DTYPES, '--dtype', 'q8', TEXT], /takes no --dtype/],
    [['rate-distortion', '--model', DTYPES], /needs at least one FILE/],
  ] as const) {
    const io = fakeIo();
    assert.equal(await run([...argv], io), 2);
    assert.match(io.err, message);
    assert.doesNotMatch(io.err, /\n\s+at /);
  }
});
