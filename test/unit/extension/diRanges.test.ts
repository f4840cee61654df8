/** Prompt/response ranges for directed information: two selections, or one split at the marker line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diRangesFrom, splitAtMarker } from '../../../src/extension/diRanges';

const doc = 'Q: capital of France?\n---\nA: Paris.';

test('a marker line splits the document: the prompt keeps its line break, the marker belongs to neither', () => {
  const r = diRangesFrom([], doc, '---');
  assert.equal(doc.slice(r.prompt.start, r.prompt.end), 'Q: capital of France?\n');
  assert.equal(doc.slice(r.response.start, r.response.end), 'A: Paris.');
});

test('a marker with surrounding spaces and CRLF line ends still splits', () => {
  const crlf = 'prompt\r\n  ===  \r\nresponse';
  const r = splitAtMarker(crlf, 10, '===')!;
  assert.deepEqual(r, { prompt: { start: 10, end: 18 }, response: { start: 27, end: 35 } });
});

test('one selection is split inside itself, at document offsets', () => {
  const text = `intro\n${doc}`;
  const r = diRangesFrom([{ start: 6, end: text.length }], text, '---');
  assert.equal(text.slice(r.prompt.start, r.prompt.end), 'Q: capital of France?\n');
  assert.equal(text.slice(r.response.start, r.response.end), 'A: Paris.');
});

test('two selections: the earlier is the prompt, whatever order they were made in', () => {
  const r = diRangesFrom(
    [
      { start: 26, end: 35 },
      { start: 0, end: 21 },
    ],
    doc,
    '---',
  );
  assert.deepEqual(r, { prompt: { start: 0, end: 21 }, response: { start: 26, end: 35 } });
});

test('no marker and one selection: the message says how to mark prompt and response', () => {
  assert.throws(
    () => diRangesFrom([{ start: 0, end: 5 }], 'hello world', '---'),
    /two selections.*or put a line "---" between them/,
  );
  assert.throws(() => diRangesFrom([], '---\nanswer', '---'), /no prompt above/);
  assert.throws(
    () =>
      diRangesFrom(
        [
          { start: 0, end: 4 },
          { start: 2, end: 6 },
        ],
        'abcdefg',
        '---',
      ),
    /overlap/,
  );
});
