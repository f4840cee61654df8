/**
 * A streamed analysis waits for a full output to drain: piped into a slow reader, the text written but not
 * yet taken stays about one chunk instead of the whole result. The fake stdout reports its buffer full on
 * every write and drains only when the test says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../../src/cli/run';
import { packageRoot } from '../../../src/engines/builtinModel';
import { alwaysFullStdout, captureIo } from '../../helpers/captureIo';

const CHUNK = 16;
const file = join(mkdtempSync(join(tmpdir(), 'sf-back-pressure-')), 'text.txt');
writeFileSync(file, readFileSync(join(packageRoot(), 'docs', 'measures.md'), 'utf8').slice(0, 1200));
const argv = ['analyze', '--format', 'json', '--device', 'cpu', '--top-k', '1', '--chunk-size', String(CHUNK), file];
/** Each token record of the JSON has one "surprisalBits". */
const tokenRows = (json: string) => json.split('"surprisalBits"').length - 1;

test('analyze holds scoring while stdout is full and goes on at each drain; the output is unchanged', async () => {
  const free = captureIo();
  assert.equal(await run(argv, free), 0, free.err);
  assert.ok(tokenRows(free.out) > 8 * CHUNK, `${tokenRows(free.out)} tokens`);

  const io = captureIo();
  const full = alwaysFullStdout();
  io.stdout = full.stdout;
  let finished = false;
  const exit = run(argv, io).finally(() => {
    finished = true;
  });
  while (full.written() === '' && !finished) await sleep(10);
  // Scoring the rest takes milliseconds; a writer that does not wait would be done long before this.
  await sleep(1000);
  assert.equal(finished, false, 'the analysis finished without the output draining');
  assert.ok(tokenRows(full.written()) <= CHUNK + 1, `${tokenRows(full.written())} tokens written into a full output`);

  let drains = 0;
  while (!finished) {
    if (full.drain()) drains++;
    await sleep(1);
  }
  assert.equal(await exit, 0, io.err);
  assert.ok(drains >= tokenRows(free.out) / CHUNK - 1, `${drains} drains`);
  const clockless = (json: string) => json.replace(/"createdAt": "[^"]*"/, ''); // the two runs' clocks differ
  assert.equal(clockless(full.written()), clockless(free.out));
});
