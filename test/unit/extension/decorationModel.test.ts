/** decorationModel: which ranges land in which colour bucket, per metric (edges from core/scale.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECORATION_METRICS, decorationModel, bucketCounts, metricNote } from '../../../src/extension/decorationModel';
import { SCALE_BUCKETS } from '../../../src/core/scale';
import { resultOf } from './results';

// SURPRISAL_EDGES = [1, 2, 4, 6, 8, 11, 14]: 0.5 → 0, 3 → 2, 7 → 4, 20 → 7; null → no bucket.
const r = resultOf([
  ['The', null],
  [' cat', 0.5],
  [' sat', 3],
  [' on', 7],
  [' zxq', 20],
]);

test('surprisal: each token in its bucket, the first token without a prediction in none', () => {
  const m = decorationModel(r, 'surprisal');
  assert.equal(m.buckets.length, SCALE_BUCKETS);
  assert.deepEqual(m.buckets[0], [[3, 7]]);
  assert.deepEqual(m.buckets[2], [[7, 11]]);
  assert.deepEqual(m.buckets[4], [[11, 14]]);
  assert.deepEqual(m.buckets[7], [[14, 18]]);
  assert.deepEqual(bucketCounts(m), [1, 0, 1, 0, 1, 0, 0, 1]);
  assert.equal(m.note, undefined);
});

test('surprise excess uses the signed edges: 0.25 bits lands just above 0 (bucket 4)', () => {
  // SIGNED_EDGES = [-6, -3, -1, 0, 1, 3, 6]; surpriseExcess = bits / 2 in resultOf.
  const m = decorationModel(r, 'surpriseExcess');
  assert.deepEqual(m.buckets[4], [[3, 7]]);
  assert.deepEqual(m.buckets[7], [[14, 18]]);
});

test('special and zero-width tokens are never painted', () => {
  const x = resultOf([
    ['<s>', 9],
    ['a', 9],
  ]);
  x.tokens[0].special = true;
  x.tokens[1].end = x.tokens[1].start;
  assert.deepEqual(bucketCounts(decorationModel(x, 'surprisal')), [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('a metric the result cannot give falls back to surprisal and says why', () => {
  const m = decorationModel(r, 'directedInformation');
  assert.equal(m.metric, 'surprisal');
  assert.match(m.note ?? '', /no directed information/);
  assert.deepEqual(bucketCounts(m), bucketCounts(decorationModel(r, 'surprisal')));
});

test('directed information paints the response tokens by iota', () => {
  const x = resultOf(
    [
      ['Q', null],
      [' A', 1],
    ],
    {
      di: {
        baseline: 'bos',
        promptText: 'Q',
        promptTokenIds: [100],
        baselineTokenIds: [],
        responseStart: 1,
        responseEnd: 3,
        totalBits: 2.5,
        totalKlBits: 2,
        tokens: [
          {
            index: 0,
            id: 101,
            text: ' A',
            start: 1,
            end: 3,
            iotaBits: 2.5,
            klBits: 2,
            compensatorBits: 2,
            residualBits: 0.5,
            z: null,
          },
        ],
      },
    },
  );
  assert.deepEqual(decorationModel(x, 'directedInformation').buckets[5], [[1, 3]]); // 1 ≤ 2.5 < 3
});

test('flow into the selection sums each source row over the selected target columns', () => {
  const x = resultOf(
    [
      ['a', null],
      ['b', 1],
      ['c', 1],
    ],
    {
      flow: {
        unit: 'token',
        method: 'attention-mask',
        sources: [
          { start: 0, end: 1, text: 'a' },
          { start: 1, end: 2, text: 'b' },
        ],
        targets: [1, 2],
        phiBits: [
          [0.5, 3],
          [0, 9],
        ],
        expectedBits: [
          [0.5, 3],
          [0, 9],
        ],
      },
    },
  );
  const onC = decorationModel(x, 'flowIntoSelection', { start: 2, end: 3 });
  assert.deepEqual(onC.buckets[2], [[0, 1]]); // a → c: 3 bits
  assert.deepEqual(onC.buckets[5], [[1, 2]]); // b → c: 9 bits (8 ≤ 9 < 11)
  const both = decorationModel(x, 'flowIntoSelection', { start: 1, end: 3 });
  assert.deepEqual(both.buckets[2], [[0, 1]]); // 0.5 + 3 = 3.5 bits
  const none = decorationModel(x, 'flowIntoSelection', { start: 0, end: 0 });
  assert.deepEqual(bucketCounts(none), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.match(none.note ?? '', /Select target tokens/);
});

test('metricNote is the note decorationModel draws with, for every metric and selection, without the ranges', () => {
  const flowing = resultOf(
    [
      ['a', null],
      ['b', 1],
      ['c', 1],
    ],
    {
      flow: {
        unit: 'token',
        method: 'attention-mask',
        sources: [{ start: 0, end: 1, text: 'a' }],
        targets: [1, 2],
        phiBits: [[0.5, 3]],
        expectedBits: [[0.5, 3]],
      },
    },
  );
  const notes = new Set<string | undefined>();
  for (const result of [r, flowing]) {
    for (const metric of DECORATION_METRICS) {
      for (const sel of [
        undefined,
        { start: 0, end: 0 },
        { start: 1, end: 1 },
        { start: 2, end: 3 },
        { start: 9, end: 12 },
      ]) {
        const note = metricNote(result, metric, sel);
        assert.equal(note, decorationModel(result, metric, sel).note, `${metric} ${JSON.stringify(sel)}`);
        notes.add(note);
      }
    }
  }
  assert.equal(notes.size, 4, 'none, no DI, no flow matrix, select targets');
});
