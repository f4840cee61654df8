/**
 * `semantic-flow batch`: input order, one line per id, bad lines reported by number, and resuming after
 * the process is killed half-way (a child process, SIGKILL, a torn last line): nothing lost, nothing
 * duplicated, order kept.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';
import { packageRoot, builtinModelDir } from '../../src/engines/builtinModel';
import { charVllm, startFakeServer, type FakeServer } from '../unit/engines/remote/helpers/fakeServer';

const ROOT = packageRoot();
const tmp = mkdtempSync(join(tmpdir(), 'sf-batch-'));
const file = (name: string, data: string) => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};
const lines = (p: string) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const strip = (r: Record<string, unknown>) => {
  const { createdAt: _c, ...rest } = r;
  return rest;
};

const fakeIo = captureIo;

let slow: FakeServer;
let fast: FakeServer;
before(async () => {
  slow = await startFakeServer(charVllm(40));
  fast = await startFakeServer(charVllm(0));
});
after(async () => {
  await slow.close();
  await fast.close();
});

const texts = Array.from({ length: 30 }, (_, i) => ({
  id: `t${i}`,
  text: `Text number ${i}: ${'abc '.repeat(1 + (i % 5))}é👍`,
}));
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

test('order, ids, bad lines by number, error lines, summary', async () => {
  const input = file(
    'mixed.jsonl',
    [
      '{"id": 1, "text": "first"}',
      'not json',
      '{"text": "no id"}',
      '',
      '{"id": "p", "prompt": "Q: hi\\nA:", "response": " hello"}',
      '{"id": 1, "text": "duplicate"}',
      '{"id": 3, "text": "third"}',
    ].join('\n'),
  );
  const out = join(tmp, 'mixed.out.jsonl');
  const io = fakeIo();
  assert.equal(
    await run(['batch', input, '--out', out, '--engine', 'remote', '--endpoint', fast.url, '--concurrency', '3'], io),
    2,
    io.err,
  );
  const got = lines(out);
  assert.deepEqual(
    got.map((r) => r.id),
    [1, 'p', 3],
  );
  assert.equal(got[0].text, 'first');
  assert.equal(got[0].model.entropyBounded, true);
  assert.equal(got[1].di.responseStart, 'Q: hi\nA:'.length);
  assert.match(io.err, /mixed\.jsonl line 2: not JSON; skipped/);
  assert.match(io.err, /line 3: needs an "id"/);
  assert.match(io.err, /line 6: duplicate id 1/);
  assert.match(
    io.err,
    /batch done: 3 of 3 texts scored, \d+ tokens, [\d.]+ bits, [\d.]+ s \([\d.]+ texts\/s\), 0 errors, 3 bad input lines \(2, 3, 6\)\./,
  );
});

test('a torn last line in OUT is discarded; ids already there are skipped; the rest is appended in order', async () => {
  const input = file('resume.jsonl', jsonl(texts.slice(0, 6)));
  const full = join(tmp, 'resume.full.jsonl');
  assert.equal(await run(['batch', input, '--out', full, '--endpoint', fast.url], fakeIo()), 0);
  const ref = lines(full);
  const out = join(tmp, 'resume.out.jsonl');
  writeFileSync(
    out,
    readFileSync(full, 'utf8').split('\n').slice(0, 2).join('\n') + '\n' + '{"id":"t2","schemaVersion":1,"tex',
  );
  const io = fakeIo();
  assert.equal(await run(['batch', input, '--out', out, '--endpoint', fast.url], io), 0, io.err);
  assert.match(io.err, /discarded a partially written last line \(\d+ bytes\)/);
  assert.match(io.err, /4 of 4 texts scored \(2 already in/);
  assert.deepEqual(lines(out).map(strip), ref.map(strip));
});

test('killed half-way (SIGKILL of the child process), then re-run: nothing lost or duplicated, input order kept', async () => {
  const input = file('kill.jsonl', jsonl(texts));
  const out = join(tmp, 'kill.out.jsonl');
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'src', 'cli', 'main.ts'),
    'batch',
    input,
    '--out',
    out,
    '--endpoint',
    slow.url,
    '--concurrency',
    '2',
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 600; i++) {
    if (existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 6) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, null, `killed before it finished; stderr: ${stderr}`);
  const before = readFileSync(out, 'utf8').split('\n').filter(Boolean).length;
  assert.ok(before >= 5 && before < texts.length, `${before} lines written before the kill`);
  appendFileSync(out, '{"id":"t'); // what a kill in the middle of a write leaves
  const io = fakeIo();
  assert.equal(await run(['batch', input, '--out', out, '--endpoint', fast.url, '--concurrency', '4'], io), 0, io.err);
  const got = lines(out);
  assert.deepEqual(
    got.map((r) => r.id),
    texts.map((t) => t.id),
    'every id once, in input order',
  );
  const ref = join(tmp, 'kill.ref.jsonl');
  await run(['batch', input, '--out', ref, '--endpoint', fast.url], fakeIo());
  assert.deepEqual(got.map(strip), lines(ref).map(strip), 'the same results as an uninterrupted run');
});

test('the onnx engine: analysis and directed information (core, with KL) on the fixture model', async () => {
  const tiny = join(ROOT, 'test', 'fixtures', 'models', 'tiny-gpt2');
  const dir = existsSync(join(tiny, 'config.json')) ? tiny : builtinModelDir();
  const input = file(
    'onnx.jsonl',
    jsonl([
      { id: 'a', text: 'the cat' },
      { id: 'b', prompt: 'Say hi:\n', response: 'hi there' },
    ]),
  );
  const out = join(tmp, 'onnx.out.jsonl');
  const io = fakeIo();
  assert.equal(await run(['batch', input, '--out', out, '--model', dir, '--device', 'cpu'], io), 0, io.err);
  const [a, b] = lines(out);
  assert.equal(a.model.device, 'cpu');
  assert.notEqual(a.tokens[0].entropyBits, null);
  const respBits = b.tokens
    .filter((t: { start: number }) => t.start >= 8)
    .reduce((s: number, t: { surprisalBits: number }) => s + t.surprisalBits, 0);
  const sumIota = b.di.tokens.reduce((s: number, t: { iotaBits: number }) => s + t.iotaBits, 0);
  assert.ok(Math.abs(b.di.totalBits - sumIota) < 1e-6);
  assert.equal(typeof b.di.totalKlBits, 'number', 'the local engine gives KL');
  assert.ok(
    Math.abs(
      b.di.tokens.reduce((s: number, t: { baselineSurprisalBits: number }) => s + t.baselineSurprisalBits, 0) -
        respBits -
        sumIota,
    ) < 1e-6,
  );
});

test('a dead endpoint stops the batch with one clear error and writes nothing', async () => {
  const input = file('dead.jsonl', jsonl(texts.slice(0, 2)));
  const out = join(tmp, 'dead.out.jsonl');
  const io = fakeIo();
  const closed = await startFakeServer(charVllm());
  const url = closed.url;
  await closed.close();
  assert.equal(await run(['batch', input, '--out', out, '--endpoint', url], io), 2);
  assert.equal(io.err.split('\n').filter((l) => /Cannot reach/.test(l)).length, 1);
  assert.match(
    io.err,
    new RegExp(`semantic-flow: Cannot reach the server at ${url}/v1/models \\(ECONNREFUSED\\); check --endpoint`),
  );
  assert.doesNotMatch(io.err, /retrying/);
  assert.equal(readFileSync(out, 'utf8'), '');
});

test('an id written as an error is retried by the next run; a run that leaves an error exits 2', async () => {
  let failing = true;
  const flaky = await startFakeServer((r) => {
    if (failing && r.path === '/v1/completions' && String(r.body?.prompt).includes('number 2:')) {
      return {
        status: 400,
        body: { object: 'error', message: 'This model cannot score that today', type: 'BadRequestError', code: 400 },
      };
    }
    return charVllm(0)(r);
  });
  try {
    const input = file('flaky.jsonl', jsonl(texts.slice(0, 5)));
    const out = join(tmp, 'flaky.out.jsonl');
    const first = fakeIo();
    assert.equal(await run(['batch', input, '--out', out, '--endpoint', flaky.url], first), 2, first.err);
    assert.deepEqual(
      lines(out).map((r) => [r.id, r.error?.code ?? 'ok']),
      [
        ['t0', 'ok'],
        ['t1', 'ok'],
        ['t2', 'server-error'],
        ['t3', 'ok'],
        ['t4', 'ok'],
      ],
    );
    const again = fakeIo();
    assert.equal(
      await run(['batch', input, '--out', out, '--endpoint', flaky.url], again),
      2,
      'still failing: still an error, still exit 2',
    );
    assert.match(again.err, /retrying 1 id whose line in .*flaky\.out\.jsonl was an error/);
    assert.match(again.err, /batch done: 1 of 1 texts scored \(4 already in .*\), .* 1 error\./);
    assert.equal(
      lines(out).filter((r) => r.id === 't2').length,
      1,
      'the old error line was replaced, not kept beside the new one',
    );
    failing = false;
    const fixed = fakeIo();
    assert.equal(await run(['batch', input, '--out', out, '--endpoint', flaky.url], fixed), 0, fixed.err);
    assert.match(fixed.err, /batch done: 1 of 1 texts scored \(4 already in .*\), .* 0 errors\./);
    const got = lines(out);
    assert.deepEqual(got.map((r) => r.id).sort(), ['t0', 't1', 't2', 't3', 't4'], 'every id once');
    assert.ok(got.every((r) => r.error === undefined && r.tokens.length > 0));
    const ref = join(tmp, 'flaky.ref.jsonl');
    await run(['batch', input, '--out', ref, '--endpoint', fast.url], fakeIo());
    const byId = (rows: Record<string, unknown>[]) => Object.fromEntries(rows.map((r) => [r.id, strip(r)]));
    assert.deepEqual(byId(got), byId(lines(ref)), 'the same results as a run that never failed');
  } finally {
    await flaky.close();
  }
});

test('--out equal to the input is refused and the input left intact', async () => {
  const input = file('same.jsonl', jsonl(texts.slice(0, 3)));
  const io = fakeIo();
  assert.equal(await run(['batch', input, '--out', input, '--endpoint', fast.url], io), 2);
  assert.match(
    io.err,
    /^semantic-flow: `--out .*same\.jsonl` is the input file; write the results to another file\.\n$/,
  );
  assert.equal(readFileSync(input, 'utf8'), jsonl(texts.slice(0, 3)));
});

test('--out - writes the result lines to standard output, not to a file named -', async () => {
  const input = file('dash.jsonl', jsonl(texts.slice(0, 3)));
  const io = fakeIo();
  assert.equal(await run(['batch', input, '--out', '-', '--endpoint', fast.url], io), 0, io.err);
  const rows = io.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((r) => r.id),
    ['t0', 't1', 't2'],
  );
  assert.equal(rows[0].text, texts[0].text);
  assert.equal(existsSync(join(process.cwd(), '-')), false);
});

test('--out in a missing folder, or naming a folder, is a user error (exit 2)', async () => {
  const input = file('missing.jsonl', jsonl(texts.slice(0, 1)));
  const missing = fakeIo();
  assert.equal(
    await run(['batch', input, '--out', join(tmp, 'no', 'such', 'dir', 'r.jsonl'), '--endpoint', fast.url], missing),
    2,
  );
  assert.match(
    missing.err,
    /^semantic-flow: The folder of `--out .*r\.jsonl` does not exist \(.*no\/such\/dir\); create it or choose another path\.\n$/,
  );
  const folder = fakeIo();
  assert.equal(await run(['batch', input, '--out', tmp, '--endpoint', fast.url], folder), 2);
  assert.match(folder.err, /is a folder; give a file name/);
});
