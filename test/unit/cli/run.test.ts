/** The CLI in-process: run(argv, io) with captured streams. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli/run';
import { captureIo } from '../../helpers/captureIo';

const fakeIo = (stdin = '') => captureIo({ stdin });

const tmp = mkdtempSync(join(tmpdir(), 'sf-cli-'));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};

test('analyze FILE --format json prints a schema-1 result whose tokens cover the text', async () => {
  const io = fakeIo();
  const p = file('a.txt', 'The cat sat on the mat.');
  assert.equal(await run(['analyze', '--format', 'json', '--top-k', '2', p], io), 0, io.err);
  const r = JSON.parse(io.out);
  assert.equal(r.schemaVersion, 1);
  assert.equal(r.model.id, 'semantic-flow-mini');
  assert.equal(r.tokens.map((t: { text: string }) => t.text).join(''), 'The cat sat on the mat.');
  assert.equal(r.tokens[0].topK.length, 2);
  const sum = r.tokens.reduce((a: number, t: { surprisalBits: number }) => a + t.surprisalBits, 0);
  assert.ok(Math.abs(sum - r.summary.totalBits) < 1e-9);
});

test('analyze - reads standard input; csv has a header and one row per token', async () => {
  const io = fakeIo('a, "quoted" b\n');
  assert.equal(await run(['analyze', '--format', 'csv', '-'], io), 0, io.err);
  const lines = io.out.trim().split('\n');
  assert.match(lines[0], /^index,id,start,end,text,surprisal_bits/);
  assert.ok(lines.some((l) => l.includes('"""quoted"""') || l.includes('" ""')));
});

test('table output shows tokens, bits and a summary line', async () => {
  const io = fakeIo('Hello world');
  assert.equal(await run(['analyze', '--format', 'table', '--color', '-'], io), 0, io.err);
  assert.match(io.out, /·world/);
  assert.match(io.out, /\x1b\[48;5;\d+m/); // coloured by surprisal
  assert.match(io.out, /2 tokens, [\d.]+ bits total/);
});

const errors: [string, string[], string | Uint8Array | null, RegExp][] = [
  ['empty input', ['analyze', '-'], '', /^semantic-flow: Standard input is empty: there is no text to analyze\.\n$/],
  [
    'binary input',
    ['analyze', 'BIN'],
    Uint8Array.of(0x41, 0, 0x42),
    /looks like a binary file \(it contains a NUL byte at offset 1\)/,
  ],
  ['not UTF-8', ['analyze', 'LATIN1'], Uint8Array.of(0x63, 0x61, 0x66, 0xe9), /is not valid UTF-8 text/],
  [
    'missing model folder',
    ['analyze', '--model', '/no/such/model', '-'],
    'x',
    /^semantic-flow: Model folder not found: \/no\/such\/model\.\n$/,
  ],
  ['unknown option', ['analyze', '--colour'], null, /Unknown option `--colour` for `analyze`/],
  [
    'bad choice',
    ['analyze', '--format', 'xml'],
    null,
    /Invalid value `xml` for `--format`. Should be one of: json, csv, table/,
  ],
  ['bad number', ['analyze', '--top-k', '-3', '-'], 'x', /`--top-k` takes a whole number from 0 to 100/],
  ['missing file', ['analyze', '/no/such/file.txt'], null, /File not found: \/no\/such\/file\.txt/],
];
for (const [name, argv, data, re] of errors) {
  test(`error: ${name} → one line on stderr, exit 2`, async () => {
    const args = argv.map((a) => (a === 'BIN' || a === 'LATIN1' ? file(a, data as Uint8Array) : a));
    const io = fakeIo(typeof data === 'string' ? data : '');
    assert.equal(await run(args, io), 2);
    assert.match(io.err, re);
    assert.equal(io.err.trim().split('\n').length, 1);
    assert.equal(io.out, '');
  });
}

test('unknown command and help', async () => {
  const io = fakeIo();
  assert.equal(await run(['analyse'], io), 2);
  assert.match(io.err, /unknown command `analyse`/);
  const h = fakeIo();
  assert.equal(await run(['help', 'analyze'], h), 0);
  assert.match(h.out, /^Usage: semantic-flow analyze \[options\] \[FILE\|-\]\n/);
});

test('UTF-16 with a byte-order mark is decoded (LE and BE); without one it is named, not called binary', async () => {
  const text = 'Grüße, 世界 👋';
  const utf16 = (le: boolean) => {
    const b = Buffer.from(text, 'utf16le');
    if (!le) b.swap16();
    return Buffer.concat([Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]), b]);
  };
  for (const le of [true, false]) {
    const io = fakeIo();
    assert.equal(
      await run(['analyze', '--format', 'json', '--top-k', '0', file(`u16${le ? 'le' : 'be'}.txt`, utf16(le))], io),
      0,
      io.err,
    );
    assert.equal(JSON.parse(io.out).text, text, le ? 'LE' : 'BE');
  }
  const bare = fakeIo();
  assert.equal(await run(['analyze', file('u16-nobom.txt', Buffer.from('Hello there, world', 'utf16le'))], bare), 2);
  assert.equal(
    bare.err,
    `semantic-flow: ${join(tmp, 'u16-nobom.txt')} looks like UTF-16 text without a byte-order mark; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8).\n`,
  );
});

test('reading a terminal says how to end the text; a pipe or a file says nothing', async () => {
  const tty = { ...fakeIo('The cat.'), stdinIsTTY: true };
  const errs: string[] = [];
  tty.stderr = {
    write: (s: string) => {
      errs.push(s);
    },
  };
  tty.stdout = { write: () => {} };
  assert.equal(await run(['analyze', '--format', 'csv'], tty), 0, errs.join(''));
  assert.deepEqual(errs, [
    'semantic-flow: reading the text from the terminal; end it with Ctrl+D (Ctrl+Z then Enter on Windows), or give a FILE.\n',
  ]);
  const pipe = fakeIo('The cat.');
  assert.equal(await run(['analyze', '--format', 'csv'], pipe), 0);
  assert.equal(pipe.err, '');
});
