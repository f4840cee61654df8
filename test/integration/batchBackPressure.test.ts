/**
 * `batch` keeps its memory bounded when results cannot leave: with `--out -` into a reader that does not
 * read, it waits for the output to drain before starting more texts; and when one text is slow, the
 * results finished after it (held back to keep input order) are at most a few per text in flight.
 * A fake vLLM scores the texts (character tokens), so no model loads.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../src/cli/run';
import { alwaysFullStdout, captureIo } from '../helpers/captureIo';
import { charVllm, startFakeServer, type FakeServer } from '../unit/engines/remote/helpers/fakeServer';

const tmp = mkdtempSync(join(tmpdir(), 'sf-batch-pressure-'));
const TEXTS = 30;
const CONCURRENCY = 2;
const input = join(tmp, 'in.jsonl');
writeFileSync(
  input,
  Array.from({ length: TEXTS }, (_, i) => JSON.stringify({ id: `t${i}`, text: `Text ${i}: ${'abc '.repeat(3)}` }))
    .join('\n')
    .concat('\n'),
);
/** The texts the server was asked to score (not the engine's one-token capability probe at connect). */
const completions = (s: FakeServer) =>
  s.requests.filter((r) => typeof r.body?.prompt === 'string' && r.body.prompt.startsWith('Text '));
const ids = (jsonl: string) =>
  jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).id);
const clockless = (jsonl: string) => jsonl.replace(/"createdAt": ?"[^"]*"/g, '');

let release: () => void = () => {};
const firstTextHeld = new Promise<void>((resolve) => {
  release = resolve;
});
let fast: FakeServer;
let slowFirst: FakeServer;
before(async () => {
  fast = await startFakeServer(charVllm(0));
  const answer = charVllm(0);
  slowFirst = await startFakeServer(async (r) => {
    if (typeof r.body?.prompt === 'string' && r.body.prompt.startsWith('Text 0:')) await firstTextHeld;
    return answer(r);
  });
});
after(async () => {
  release();
  await fast.close();
  await slowFirst.close();
});

const argv = (endpoint: string, out: string) => [
  'batch',
  input,
  '--out',
  out,
  '--endpoint',
  endpoint,
  '--concurrency',
  String(CONCURRENCY),
];

test('--out - into a full standard output holds the batch until it drains; the lines are unchanged', async () => {
  const free = captureIo();
  assert.equal(await run(argv(fast.url, '-'), free), 0, free.err);
  assert.equal(ids(free.out).length, TEXTS);

  const io = captureIo();
  const full = alwaysFullStdout();
  io.stdout = full.stdout;
  const scoredBefore = completions(fast).length;
  let finished = false;
  const exit = run(argv(fast.url, '-'), io).finally(() => {
    finished = true;
  });
  while (full.written() === '' && !finished) await sleep(10);
  // The fake server answers in about a millisecond: a batch that does not wait would be done by now.
  await sleep(1000);
  assert.equal(finished, false, 'the batch finished without its output draining');
  assert.ok(
    ids(full.written()).length <= CONCURRENCY,
    `${ids(full.written()).length} lines written into a full output`,
  );
  assert.ok(completions(fast).length - scoredBefore <= CONCURRENCY, 'texts went on being scored');

  while (!finished) {
    full.drain();
    await sleep(1);
  }
  assert.equal(await exit, 0, io.err);
  assert.equal(clockless(full.written()), clockless(free.out));
});

test('one slow text: the texts started after it are bounded, and every line comes out in input order', async () => {
  const out = join(tmp, 'slow.jsonl');
  const io = captureIo();
  const exit = run(argv(slowFirst.url, out), io);
  while (completions(slowFirst).length === 0) await sleep(10);
  await sleep(1000);
  const startedWhileHeld = completions(slowFirst).length;
  // 4 finished results may wait per text in flight, so 2 × 4 texts started in all, the held one included.
  assert.ok(startedWhileHeld <= 4 * CONCURRENCY, `${startedWhileHeld} of ${TEXTS} texts started behind the slow one`);
  assert.ok(startedWhileHeld >= CONCURRENCY + 1, `${startedWhileHeld} texts started: the others did not go on`);
  release();
  assert.equal(await exit, 0, io.err);
  assert.deepEqual(
    ids(readFileSync(out, 'utf8')),
    Array.from({ length: TEXTS }, (_, i) => `t${i}`),
  );
});
