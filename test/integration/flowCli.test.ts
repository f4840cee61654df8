/** The di, generate, flow and compare commands in-process (run(argv, io)) on real text with real models. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { klWorkspace } from '../../src/core/klKernel';
import { captureIo } from '../helpers/captureIo';

const TINY = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const TINY_B = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2-b');

const fakeIo = (stdin = '', tty = false) => captureIo({ stdin, stdoutTTY: tty, stderrTTY: tty });

const tmp = mkdtempSync(join(tmpdir(), 'sf-flow-cli-'));
const file = (name: string, data: string) => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};

test('di: --prompt TEXT --response FILE on the built-in model, JSON and table', async () => {
  const response = file('response.txt', '    return a + b\n');
  const io = fakeIo();
  assert.equal(
    await run(['di', '--prompt', 'def add(a, b):\n', '--response', response, '--format', 'json'], io),
    0,
    io.err,
  );
  const r = JSON.parse(io.out);
  assert.equal(r.model.id, 'semantic-flow-mini');
  assert.equal(r.di.baseline, 'bos');
  assert.equal(r.text, 'def add(a, b):\n    return a + b\n');
  const sumIota = r.di.tokens.reduce((a: number, t: { iotaBits: number }) => a + t.iotaBits, 0);
  assert.ok(Math.abs(sumIota - r.di.totalBits) < 1e-9);
  assert.ok(Math.abs(r.di.totalBits - (r.di.baselineResponseBits - r.di.promptedResponseBits)) < 1e-9);
  const t = fakeIo();
  assert.equal(
    await run(
      [
        'di',
        '--prompt',
        'def add(a, b):\n',
        '--response',
        '    return a + b\n',
        '--baseline',
        'neutral',
        '--format',
        'table',
      ],
      t,
    ),
    0,
    t.err,
  );
  assert.match(t.out, /^#\s+token\s+iota\s+KL\s+A\s+M\s+z/);
  assert.match(t.out, /·return/);
  assert.match(t.out, /directed information Σ iota = -?[\d.]+ bits; compensator A = [\d.]+ bits/);
  assert.match(t.out, /baseline neutral "\\n"/);
});

test('generate: greedy tokens stream as table rows; Monte Carlo JSON has a non-decreasing F(t)', async () => {
  const io = fakeIo();
  assert.equal(
    await run(
      ['generate', '--model', TINY, '--prompt', 'The cat', '--greedy', '--max-tokens', '5', '--format', 'table'],
      io,
    ),
    0,
    io.err,
  );
  const rows = io.out.split('\n').filter((l) => /^\d+\s{2,}/.test(l));
  assert.equal(rows.length, 5);
  assert.match(io.out, /5 tokens \(max-tokens\); Σ iota = /);
  const mc = fakeIo();
  assert.equal(
    await run(
      [
        'generate',
        '--model',
        TINY,
        '--prompt',
        'The cat',
        '--samples',
        '16',
        '--max-tokens',
        '6',
        '--seed',
        '3',
        '--format',
        'json',
      ],
      mc,
    ),
    0,
    mc.err,
  );
  const g = JSON.parse(mc.out).generation;
  assert.equal(g.samples, 16);
  g.expectedFlowBits.forEach((f: number, t: number) => t > 0 && assert.ok(f >= g.expectedFlowBits[t - 1]));
  assert.equal(g.expectedFlowStdBits.length, g.expectedFlowBits.length);
});

test('flow: the cost estimate goes to stderr before running; the table lists top sources per target', async () => {
  const p = file('flow.txt', 'The cat sat on the mat. The dog sat on the cat.\n');
  const io = fakeIo();
  assert.equal(await run(['flow', '--model', TINY, '--unit', 'word', '--format', 'table', p], io), 0, io.err);
  assert.match(
    io.err,
    /^semantic-flow: flow from \d+ sources to \d+ targets: \d+ passes, \d+ token-steps \(\d+ without KV reuse\), \d+ cells\n$/,
  );
  assert.match(io.out, /top sources: Φ \(phi\)/);
  assert.match(io.out, /sources with the most outgoing flow/);
  assert.match(
    io.out,
    /occlusion by attention-mask, KV cache of the unchanged prefix reused; \d+ passes, \d+ token-steps; rows compared by wasm-(relaxed-)?simd$/m,
  );
  const announced = /: (\d+) passes, (\d+) token-steps/.exec(io.err)!,
    footer = /; (\d+) passes, (\d+) token-steps/.exec(io.out)!;
  assert.deepEqual(footer.slice(1), announced.slice(1), 'the footer counts what the estimate announced');
  const j = fakeIo('The cat sat on the mat.');
  assert.equal(
    await run(['flow', '--model', TINY, '--target', '8:23', '--method', 'delete', '--format', 'json', '-'], j),
    0,
    j.err,
  );
  const f = JSON.parse(j.out).flow;
  assert.equal(f.method, 'delete');
  assert.equal(f.comparisons, klWorkspace(1, 16, 16).kernel); // the fastest kernel this engine runs
  assert.equal(f.phiBits.length, f.sources.length);
  assert.ok(f.phiBits.every((row: number[]) => row.length === f.targets.length));
});

test('compare: two fixture models with one tokenizer; the built-in model against a fixture (another tokenizer) in bits per byte', async () => {
  const p = file('cmp.txt', 'The cat sat on the mat.');
  const io = fakeIo();
  assert.equal(await run(['compare', '--model', TINY, '--model-b', TINY_B, '--format', 'table', p], io), 0, io.err);
  assert.match(io.out, /Σ kappa = [\d.]+ bits, Σ delta = -?[\d.]+ bits/);
  assert.match(io.out, /A = tiny-gpt2 \(fp32\), B = tiny-gpt2-b \(fp32\)/);
  const across = fakeIo();
  assert.equal(await run(['compare', '--model-b', TINY, '--format', 'json', p], across), 0, across.err);
  const x = JSON.parse(across.out).crossComparison;
  assert.deepEqual([x.modelB.id, x.lines.length], ['tiny-gpt2', 1]);
  assert.equal(x.bitsPerByteB, x.totalBitsB / 23, 'bits over the 23 bytes of the text');
  const q8 = fakeIo();
  assert.equal(await run(['compare', '--model', TINY, '--dtype-b', 'q8', '--format', 'json', p], q8), 0, q8.err);
  const c = JSON.parse(q8.out).comparison;
  assert.equal(c.modelB.dtype, 'q8');
  assert.ok(
    c.totalKlBits >= 0 && c.totalKlBits < 5,
    `quantisation moves the predictions a little: ${c.totalKlBits} bits`,
  );
});

const errors: [string, string[], RegExp][] = [
  ['di without --response', ['di', '--prompt', 'x'], /Option `--response` is required/],
  [
    'di baseline text without its text',
    ['di', '--prompt', 'x', '--response', 'y', '--baseline', 'text'],
    /`--baseline text` needs `--baseline-text FILE\|TEXT`/,
  ],
  [
    'di baseline choice',
    ['di', '--prompt', 'x', '--response', 'y', '--baseline', 'none'],
    /Invalid value `none` for `--baseline`. Should be one of: bos, neutral, text/,
  ],
  ['di positional', ['di', 'file.txt'], /di takes no FILE argument/],
  [
    'generate samples with greedy',
    ['generate', '--prompt', 'x', '--samples', '4', '--greedy'],
    /`--samples` above 1 estimates the expected flow by sampling at temperature 1/,
  ],
  [
    'generate bad max tokens',
    ['generate', '--prompt', 'x', '--max-tokens', '0'],
    /`--max-tokens` takes a whole number from 1/,
  ],
  [
    'generate bad temperature',
    ['generate', '--prompt', 'x', '--temperature', '-1'],
    /`--temperature` takes a positive number/,
  ],
  ['flow bad unit', ['flow', '--unit', 'paragraph', '-'], /Invalid value `paragraph` for `--unit`/],
  ['flow bad target', ['flow', '--target', '5-9', '-'], /`--target` takes START:END/],
  ['flow unknown option', ['flow', '--units', 'word', '-'], /Unknown option `--units` for `flow`/],
  ['compare without model-b', ['compare', '-'], /compare needs `--model-b DIR` or `--dtype-b T`/],
];
for (const [name, argv, re] of errors) {
  test(`error: ${name} → one line on stderr, exit 2`, async () => {
    const io = fakeIo('The cat sat.');
    assert.equal(await run(argv, io), 2, io.err);
    assert.match(io.err, re);
    assert.equal(io.err.trim().split('\n').length, 1);
    assert.equal(io.out, '');
  });
}

test('help lists the new commands', async () => {
  const io = fakeIo();
  assert.equal(await run(['help'], io), 0);
  for (const c of ['di', 'generate', 'flow', 'compare']) assert.match(io.out, new RegExp(`\\n  ${c}\\s+\\S`));
  const h = fakeIo();
  assert.equal(await run(['help', 'flow'], h), 0);
  assert.match(h.out, /^Usage: semantic-flow flow \[options\] \[FILE\|-\]\n/);
  assert.match(h.out, /\n  --unit token\|word\|line\|sentence\s+what is occluded/);
});
