/**
 * The real binary (dist/cli.js, which `npm test` builds first, in a child process) writing into a real
 * pipe whose reader stops early, as `… | head -c N` does: every command and format ends quietly with
 * exit 0, never with an EPIPE stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
if (!existsSync(CLI)) spawnSync(process.execPath, [join(ROOT, 'tools', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
const TINY = join(ROOT, 'test', 'fixtures', 'models', 'tiny-gpt2');
const tmp = mkdtempSync(join(tmpdir(), 'sf-cli-pipe-'));
// About 6,000 tiny-gpt2 tokens: every format's output is more than twice a 64 KiB pipe buffer.
const long = join(tmp, 'long.txt');
writeFileSync(long, readFileSync(join(ROOT, 'README.md'), 'utf8').slice(0, 12000));
const short = join(tmp, 'short.txt');
writeFileSync(short, 'The cat sat on the mat. The dog sat on the log.');
const jsonl = join(tmp, 'texts.jsonl');
writeFileSync(
  jsonl,
  Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ id: i, text: `Text number ${i}: the cat sat on the mat.` }),
  ).join('\n'),
);

/** Runs the CLI with stdout into a pipe, reads `bytes` bytes of it and closes the read end (0: closed at once, as `| true`). */
async function head(
  args: string[],
  bytes: number,
): Promise<{ code: number | null; signal: string | null; stderr: string; got: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '',
    got = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  if (bytes === 0) child.stdout.destroy();
  child.stdout.on('data', (d: Buffer) => {
    got += d.toString('utf8');
    if (got.length >= bytes) child.stdout.destroy();
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
    child.on('exit', (c, s) => r([c, s])),
  );
  return { code, signal, stderr, got: got.slice(0, bytes) };
}

const cases: [string, string[], number, RegExp][] = [
  [
    'analyze --format table | head -3',
    ['analyze', '--model', TINY, '--format', 'table', long],
    200,
    /^#\s+token\s+bits/,
  ],
  ['analyze --format json | head -c 10', ['analyze', '--model', TINY, '--format', 'json', long], 10, /^\{\n {2}"schem/],
  ['analyze --format csv | head -c 10', ['analyze', '--model', TINY, '--format', 'csv', long], 10, /^index,id,s/],
  [
    'di --format json | head -c 10',
    ['di', '--model', TINY, '--prompt', 'Read this:', '--response', long, '--format', 'json'],
    10,
    /^\{\n/,
  ],
  [
    'di --format table | head -c 10',
    ['di', '--model', TINY, '--prompt', 'Read this:', '--response', long, '--format', 'table'],
    10,
    /^#\s+toke/,
  ],
  [
    'generate --format table | head -2 (rows stream as tokens arrive)',
    ['generate', '--model', TINY, '--prompt', 'The cat', '--max-tokens', '200', '--format', 'table'],
    90,
    /^#\s+token\s+s\s+H/,
  ],
  ['flow --format table | true', ['flow', '--model', TINY, '--format', 'table', short], 0, /^$/],
  [
    'compare --format table | head -c 10',
    [
      'compare',
      '--model',
      TINY,
      '--model-b',
      join(ROOT, 'test', 'fixtures', 'models', 'tiny-gpt2-b'),
      '--format',
      'table',
      long,
    ],
    10,
    /^#\s+toke/,
  ],
  ['batch --out - | head -c 10', ['batch', '--model', TINY, jsonl, '--out', '-'], 10, /^\{"id":0,/],
];

// Three children at a time: each loads a model, and the file must finish within the runner's timeout.
test('every command and format, its reader gone early, exits quietly with 0', { concurrency: 3 }, async (t) => {
  await Promise.all(
    cases.map(([name, args, bytes, start]) =>
      t.test(name, async () => {
        const r = await head(args, bytes);
        assert.match(r.got, start, `the output began as usual; stderr: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|\n\s+at /, 'no stack trace');
        assert.equal(r.signal, null);
        assert.equal(r.code, 0, r.stderr);
      }),
    ),
  );
});
