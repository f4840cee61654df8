/** The percentile bootstrap of a ratio of sums (measures.md, "Rate–distortion", Interval). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapRatio, quantile } from '../../../src/core/bootstrap';
import { mulberry32 } from '../../../src/core/sampling';

test('quantile interpolates between order statistics', () => {
  assert.equal(quantile([1, 2, 3, 4], 0), 1);
  assert.equal(quantile([1, 2, 3, 4], 1), 4);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([10, 20], 0.25), 12.5);
});

test('constant values have a zero-width interval at the value; no values have none', () => {
  assert.deepEqual(bootstrapRatio([0, 0, 0], null), [0, 0]);
  assert.deepEqual(bootstrapRatio([2, 2, 2, 2], [4, 4, 4, 4]), [0.5, 0.5]);
  assert.ok(bootstrapRatio([], null).every(Number.isNaN));
});

test('the interval of a mean has the normal-theory width for a large sample, and is reproducible from its seed', () => {
  const u = mulberry32(42);
  const n = 4000;
  const x = Array.from({ length: n }, () => u() * 3); // uniform on [0, 3): sd = 3/√12
  const sd = 3 / Math.sqrt(12);
  const [lo, hi] = bootstrapRatio(x, null, { resamples: 800, seed: 7 });
  const mean = x.reduce((a, b) => a + b, 0) / n;
  assert.ok(lo < mean && mean < hi, `${lo} < ${mean} < ${hi}`);
  const expected = (2 * 1.96 * sd) / Math.sqrt(n);
  assert.ok(Math.abs((hi - lo) / expected - 1) < 0.15, `width ${hi - lo} vs ${expected}`);
  assert.deepEqual(bootstrapRatio(x, null, { resamples: 800, seed: 7 }), [lo, hi]);
  assert.notDeepEqual(bootstrapRatio(x, null, { resamples: 800, seed: 8 }), [lo, hi]);
});

test('a ratio resamples value and weight together', () => {
  // value_i = 2·weight_i exactly: every resample's ratio is 2, whatever the weights
  const w = [1, 5, 2, 9, 3];
  assert.deepEqual(
    bootstrapRatio(
      w.map((x) => 2 * x),
      w,
      { resamples: 200 },
    ),
    [2, 2],
  );
});
