/**
 * The terminal tables at 100 columns on real text with the built-in model: emoji and CJK keep the
 * columns aligned, an invisible token is shown, partial characters show as bytes, nothing wraps
 * mid-number; --units adds word and line aggregates to the table and the CSV.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';

const TEXT = 'I love 🍕 and 日本語 and 👨‍👩‍👧 family.\nSecond line here.\n';

const terminal = (stdin: string, columns = 100) =>
  captureIo({ stdin, stdoutTTY: true, columns, env: { NO_COLOR: '1' } });

// An oracle for this text's characters only: CJK ideographs and emoji take two columns, the rest one.
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const columnsOf = (s: string) =>
  [...segmenter.segment(s)].reduce(
    (w, { segment: g }) => w + (/[\u3000-\u9fff]|\p{Extended_Pictographic}/u.test(g) ? 2 : 1),
    0,
  );
/** The text of display columns [from, to) of a line. */
function columnSlice(line: string, from: number, to: number): string {
  let col = 0,
    out = '';
  for (const { segment } of segmenter.segment(line)) {
    const w = columnsOf(segment);
    if (col >= from && col + w <= to) out += segment;
    col += w;
  }
  return out;
}

test('analyze --format table at 100 columns: aligned columns, visible joiner, bytes not U+FFFD, no line wider than the terminal', async () => {
  const json = terminal(TEXT);
  json.stdout.isTTY = false;
  assert.equal(await run(['analyze', '--format', 'json', '-'], json), 0, json.err);
  const tokens = JSON.parse(json.out).tokens as { index: number; text: string; surprisalBits: number | null }[];
  const io = terminal(TEXT);
  assert.equal(await run(['analyze', '--format', 'table', '-'], io), 0, io.err);
  const lines = io.out.trimEnd().split('\n');
  const rows = lines.slice(1, 1 + tokens.length);
  rows.forEach((r, i) => {
    // '#' takes columns 0–4, the token 6–25, bits 27–33 (right-aligned) whatever the token's characters.
    assert.equal(
      columnSlice(r, 27, 34).trim(),
      tokens[i].surprisalBits === null ? '—' : tokens[i].surprisalBits!.toFixed(2),
      `row ${i}: ${r}`,
    );
  });
  assert.ok(
    rows.some((r) => columnSlice(r, 6, 26).includes('🍕')) && rows.some((r) => columnSlice(r, 6, 26).includes('日')),
  );
  const zwj = tokens.findIndex((t) => t.text === '\u200d');
  assert.ok(zwj > 0, 'the built-in model splits the family emoji at a joiner');
  assert.equal(columnSlice(rows[zwj], 6, 26).trim(), '<U+200D>');
  assert.doesNotMatch(io.out, /\uFFFD/, 'no replacement character');
  assert.match(io.out, /<0x[0-9A-F]{2}>/, 'an alternative that is part of a character shows its bytes');
  for (const l of lines) assert.ok(columnsOf(l) <= 100, `wider than 100 columns: ${l}`);
  assert.match(io.out, /\bperplexity \d+\.\d\b/, 'the summary keeps each number whole on one line');
});

test('--units: word and line aggregates in the table and the CSV, each the sum over its tokens', async () => {
  const json = terminal(TEXT);
  json.stdout.isTTY = false;
  assert.equal(await run(['analyze', '--units', '--format', 'json', '-'], json), 0, json.err);
  const r = JSON.parse(json.out) as {
    tokens: { surprisalBits: number | null }[];
    words: { tokenStart: number; tokenEnd: number; surprisalBits: number; text: string }[];
    lines: { surprisalBits: number }[];
  };
  const sum = (a: number, b: number) => a + b;
  for (const w of r.words) {
    const own = r.tokens
      .slice(w.tokenStart, w.tokenEnd)
      .map((t) => t.surprisalBits ?? 0)
      .reduce(sum, 0);
    assert.ok(Math.abs(own - w.surprisalBits) < 1e-9, w.text);
  }
  const table = terminal(TEXT);
  assert.equal(await run(['analyze', '--units', '--format', 'table', '-'], table), 0, table.err);
  assert.match(table.out, new RegExp(`\\nwords \\(${r.words.length}\\): bits = the sum over the unit's tokens\\n`));
  assert.match(table.out, new RegExp(`\\nlines \\(${r.lines.length}\\): `));
  assert.match(table.out, new RegExp(`\\n0 +${r.lines[0].surprisalBits.toFixed(2)} `));
  const csv = terminal(TEXT);
  assert.equal(await run(['analyze', '--units', '--format', 'csv', '-'], csv), 0, csv.err);
  const [head, ...body] = csv.out.trim().split('\n');
  assert.match(head, /,top1_text,top1_bits,word,word_bits,line,line_bits$/);
  const last4 = (l: string) => l.split(',').slice(-4);
  const w0 = r.words[0];
  for (let k = w0.tokenStart; k < w0.tokenEnd; k++) {
    const [word, bits] = last4(body[k]);
    assert.equal(Number(word), 0);
    assert.ok(Math.abs(Number(bits) - w0.surprisalBits) < 1e-9);
  }
  const plain = terminal(TEXT);
  assert.equal(await run(['analyze', '--format', 'csv', '-'], plain), 0);
  assert.match(plain.out.split('\n')[0], /,top1_bits$/, 'without --units the columns are as before');
});

test('models table and flow footer fit 100 columns: cells that do not fit move to an indented line', async () => {
  const models = terminal('');
  models.env = { ...models.env, SEMANTIC_FLOW_CACHE: '/nonexistent-sf-cache', HF_HUB_CACHE: '/nonexistent-hf' };
  assert.equal(await run(['models', '--format', 'table'], models), 0, models.err);
  for (const l of models.out.split('\n')) assert.ok(columnsOf(l) <= 100, `wider than 100 columns: ${l}`);
  assert.match(
    models.out,
    /\nXenova\/gpt2 +124M [^\n]*\n {4}memory \(approx\.\): q8 ~485 MB; licence: MIT; chat: no; context: 1024; on disk: —\n/,
  );
  const wide = terminal('');
  wide.env = models.env;
  wide.stdout.columns = 200;
  assert.equal(await run(['models', '--format', 'table'], wide), 0);
  assert.match(
    wide.out,
    /^model +params +download \(approx\.\) +memory \(approx\.\) +licence +chat +context +on disk\n/,
    'one row per model when it fits',
  );
  const flow = terminal('The cat sat on the mat.');
  assert.equal(await run(['flow', '--format', 'table', '-'], flow), 0, flow.err);
  for (const l of flow.out.split('\n')) assert.ok(columnsOf(l) <= 100, `wider than 100 columns: ${l}`);
  assert.match(flow.out, /\d+ passes, \d+ token-steps/);
});

test('--format table into a pipe: $COLUMNS bounds every line (the header too); without it no line is cut and the summary stays one line', async () => {
  const piped = (env: Record<string, string>) => captureIo({ stdin: TEXT, env: { NO_COLOR: '1', ...env } });
  const [wide, narrow] = [piped({}), piped({ COLUMNS: '80' })];
  for (const io of [wide, narrow]) assert.equal(await run(['analyze', '--format', 'table', '-'], io), 0, io.err);
  const summary = (out: string) =>
    out
      .slice(out.search(/^\d+ tokens, /m))
      .split('\n\n')[0]
      .trimEnd();
  assert.match(summary(wide.out), /^\d+ tokens, [^\n]* mean entropy [\d.]+ bits\n?/, 'one line');
  assert.ok(Math.max(...wide.out.split('\n').map(columnsOf)) > 80);
  const lines = narrow.out.split('\n');
  for (const line of lines) assert.ok(columnsOf(line) <= 80, `wider than 80: ${line}`);
  assert.ok(summary(narrow.out).split('\n').length > 1, 'the summary breaks between items at 80');
  assert.equal(
    summary(narrow.out).split('\n')[0].replace(/,$/, ''),
    summary(wide.out).split('\n')[0].slice(0, summary(narrow.out).split('\n')[0].replace(/,$/, '').length),
  );
});
