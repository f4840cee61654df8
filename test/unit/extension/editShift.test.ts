/** Edit shifting: tokens after an edit move by the length delta, touched tokens are dropped, versions bump. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChange, shiftStored } from '../../../src/extension/editShift';
import type { StoredResult } from '../../../src/extension/resultStore';
import { resultOf } from './results';

// Document "xx" + "The cat sat" at offset 2: tokens The[2,5) ␣cat[5,9) ␣sat[9,13) in document terms.
function stored(): StoredResult {
  const result = resultOf(
    [
      ['The', null],
      [' cat', 2],
      [' sat', 3],
    ],
    { source: { uri: 'file:///a.txt', version: 1, offset: 2 } },
  );
  return { uri: 'file:///a.txt', documentVersion: 1, offset: 2, result };
}
const spans = (s: StoredResult | undefined) =>
  s?.result.tokens.map((t) => [t.text, s.result.text.slice(t.start, t.end), t.start, t.end, t.index]);

test('an edit before the region moves the whole region; nothing inside changes', () => {
  const s = shiftStored(stored(), [{ rangeOffset: 0, rangeLength: 1, text: 'abcd' }], 2)!;
  assert.equal(s.offset, 5);
  assert.equal(s.documentVersion, 2);
  assert.equal(s.result.source?.version, 2);
  assert.equal(s.result.source?.offset, 5);
  assert.deepEqual(spans(s), spans(stored()));
});

test('an edit after the region only bumps the version', () => {
  const s = shiftStored(stored(), [{ rangeOffset: 13, rangeLength: 0, text: '!' }], 7)!;
  assert.equal(s.offset, 2);
  assert.equal(s.documentVersion, 7);
  assert.equal(s.result.text, 'The cat sat');
});

test('typing inside a token drops it and shifts the tokens after it by the delta', () => {
  // insert "ty" after "ca" (document offset 8): " cat" is touched, " sat" moves by +2
  const s = shiftStored(stored(), [{ rangeOffset: 8, rangeLength: 0, text: 'ty' }], 2)!;
  assert.equal(s.result.text, 'The catyt sat');
  assert.deepEqual(spans(s), [
    ['The', 'The', 0, 3, 0],
    [' sat', ' sat', 9, 13, 1],
  ]);
  assert.equal(s.result.summary.tokens, 2, 'the summary is recomputed over what is left');
  assert.equal(s.result.summary.totalBits, 3);
});

test('an insertion exactly between two tokens keeps both', () => {
  const s = shiftStored(stored(), [{ rangeOffset: 9, rangeLength: 0, text: '!!' }], 2)!;
  assert.deepEqual(spans(s), [
    ['The', 'The', 0, 3, 0],
    [' cat', ' cat', 3, 7, 1],
    [' sat', ' sat', 9, 13, 2],
  ]);
});

test('deleting a token closes the gap; a deletion across tokens drops every token it touches', () => {
  const cut = shiftStored(stored(), [{ rangeOffset: 5, rangeLength: 4, text: '' }], 2)!; // remove " cat"
  assert.equal(cut.result.text, 'The sat');
  assert.deepEqual(spans(cut), [
    ['The', 'The', 0, 3, 0],
    [' sat', ' sat', 3, 7, 1],
  ]);
  const across = shiftStored(stored(), [{ rangeOffset: 6, rangeLength: 4, text: 'X' }], 2)!; // "cat " → "X": "The Xsat"
  assert.equal(across.result.text, 'The Xsat');
  assert.deepEqual(spans(across), [['The', 'The', 0, 3, 0]]);
});

test('edits overlapping the start or the end of the region clip it', () => {
  const head = shiftStored(stored(), [{ rangeOffset: 0, rangeLength: 4, text: 'Q' }], 2)!; // eats "xx" + "Th"
  assert.equal(head.offset, 1);
  assert.equal(head.result.text, 'e cat sat');
  assert.deepEqual(spans(head), [
    [' cat', ' cat', 1, 5, 0],
    [' sat', ' sat', 5, 9, 1],
  ]);
  const tail = shiftStored(stored(), [{ rangeOffset: 11, rangeLength: 5, text: '' }], 2)!; // eats "at" and beyond
  assert.equal(tail.result.text, 'The cat s');
  assert.deepEqual(spans(tail), [
    ['The', 'The', 0, 3, 0],
    [' cat', ' cat', 3, 7, 1],
  ]);
});

test('deleting everything analysed leaves no result', () => {
  assert.equal(shiftStored(stored(), [{ rangeOffset: 0, rangeLength: 20, text: '' }], 2), undefined);
  assert.equal(
    applyChange({ offset: 0, result: resultOf([['ab', 1]]) }, { rangeOffset: 0, rangeLength: 1, text: 'z' }),
    undefined,
  );
});

test('several changes of one event apply in order (multi-cursor edits come last-first)', () => {
  const s = shiftStored(
    stored(),
    [
      { rangeOffset: 13, rangeLength: 0, text: '.' },
      { rangeOffset: 9, rangeLength: 0, text: ',' },
      { rangeOffset: 0, rangeLength: 0, text: '>' },
    ],
    2,
  )!;
  assert.equal(s.offset, 3);
  assert.equal(s.result.text, 'The cat, sat');
  assert.deepEqual(spans(s), [
    ['The', 'The', 0, 3, 0],
    [' cat', ' cat', 3, 7, 1],
    [' sat', ' sat', 8, 12, 2],
  ]);
});

test('token-indexed parts (flow) are dropped by an edit inside; directed-information tokens shift', () => {
  const base = stored();
  base.result.flow = {
    unit: 'token',
    method: 'attention-mask',
    sources: [],
    targets: [],
    phiBits: [],
    expectedBits: [],
  };
  base.result.di = {
    baseline: 'bos',
    promptText: 'The',
    promptTokenIds: [],
    baselineTokenIds: [],
    responseStart: 3,
    responseEnd: 11,
    totalBits: 1,
    totalKlBits: 1,
    tokens: [
      {
        index: 0,
        id: 101,
        text: ' cat',
        start: 3,
        end: 7,
        iotaBits: 0.5,
        klBits: 0,
        compensatorBits: 0,
        residualBits: 0,
        z: null,
      },
      {
        index: 1,
        id: 102,
        text: ' sat',
        start: 7,
        end: 11,
        iotaBits: 0.5,
        klBits: 0,
        compensatorBits: 0,
        residualBits: 0,
        z: null,
      },
    ],
  };
  const s = shiftStored(base, [{ rangeOffset: 3, rangeLength: 0, text: 'n' }], 2)!; // inside "The": "Tnhe cat sat"
  assert.equal(s.result.flow, undefined);
  assert.deepEqual(
    s.result.di?.tokens.map((t) => [t.start, t.end]),
    [
      [4, 8],
      [8, 12],
    ],
  );
  assert.equal(s.result.di?.responseEnd, 12);
});
