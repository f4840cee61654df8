/**
 * Hardening, CLI input: a 5 MB input is refused above a configurable limit (--max-bytes) with one clear
 * line, before any model is loaded; standard input is read only up to the limit, so an endless pipe
 * cannot fill memory. (Empty, binary and non-UTF-8 input: test/unit/cli/run.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { run } from '../../../src/cli/run';
import { readAll, type CliIo } from '../../../src/cli/io';
import { readInput } from '../../../src/cli/input';

function fakeIo(
  stdin: Uint8Array | string = '',
): CliIo & { out: string; err: string; stdinLimits: (number | undefined)[] } {
  const io = {
    out: '',
    err: '',
    stdinLimits: [] as (number | undefined)[],
    stdout: {
      write: (s: string) => {
        io.out += s;
      },
    },
    stderr: {
      write: (s: string) => {
        io.err += s;
      },
    },
    readStdin: async (max?: number) => {
      io.stdinLimits.push(max);
      return typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin;
    },
    env: { SEMANTIC_FLOW_MODEL: '/no/model/is/loaded/for/refused/input' },
  };
  return io;
}

const tmp = mkdtempSync(join(tmpdir(), 'sf-hard-cli-'));
const FIVE_MB = 5 * 1024 * 1024;

test('a file over 5 MB is refused by default with exact sizes, before any model is loaded', async () => {
  const p = join(tmp, 'big.txt');
  writeFileSync(p, Buffer.alloc(FIVE_MB + 1, 'a'));
  const io = fakeIo();
  const t0 = performance.now();
  assert.equal(await run(['analyze', p], io), 2);
  assert.equal(
    io.err,
    `semantic-flow: ${p} is 5,242,881 bytes, above the limit of 5,242,880 bytes (raise it with --max-bytes).\n`,
  );
  assert.equal(io.out, '');
  assert.ok(performance.now() - t0 < 2000);
});

test('--max-bytes sets the limit, for files and for standard input', async () => {
  const p = join(tmp, 'small.txt');
  writeFileSync(p, 'x'.repeat(2000));
  const io = fakeIo();
  assert.equal(await run(['analyze', '--max-bytes', '1000', p], io), 2);
  assert.match(io.err, /small\.txt is 2,000 bytes, above the limit of 1,000 bytes \(raise it with --max-bytes\)\.\n$/);
  const s = fakeIo('y'.repeat(1500));
  assert.equal(await run(['analyze', '--max-bytes', '1000', '-'], s), 2);
  assert.equal(
    s.err,
    'semantic-flow: Standard input is 1,500 bytes, above the limit of 1,000 bytes (raise it with --max-bytes).\n',
  );
  assert.deepEqual(s.stdinLimits, [1000], 'the limit reaches the stdin reader');
});

/** A huge pipe: 64 MiB in 1 MiB chunks (stands in for an endless one, so a regression fails instead of hanging). */
function endless(): Readable {
  const chunk = Buffer.alloc(1024 * 1024, 'z');
  let n = 0;
  return new Readable({
    read() {
      this.push(n++ < 64 ? chunk : null);
    },
  });
}

test('standard input is read only up to the limit: a huge pipe is refused after reading just over the limit', {
  timeout: 10_000,
}, async () => {
  const stream = endless();
  const bytes = await readAll(stream, FIVE_MB);
  assert.ok(bytes.length > FIVE_MB && bytes.length <= FIVE_MB + 1024 * 1024, `read ${bytes.length} bytes`);
  stream.destroy();
  const s2 = endless();
  await assert.rejects(
    readInput('-', { readStdin: (max) => readAll(s2, max) }, FIVE_MB),
    (e: Error & { code?: string }) =>
      e.code === 'too-large' && /^Standard input is [\d,]+ bytes, above the limit of 5,242,880 bytes/.test(e.message),
  );
  s2.destroy();
});
