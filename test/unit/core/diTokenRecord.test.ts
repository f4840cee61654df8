/**
 * A response token's directed-information record from hand-computed pair measures (measures.md,
 * "Directed information"): iota = log2 p − log2 q, A_t = Σ KL, M_t = Σ iota − A_t, z = M_t / √Σ Var; a
 * special token shows the sums as they stand and does not move them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompensatorSums, diTokenRecord } from '../../../src/core/diTokenRecord';
import type { PairMeasures } from '../../../src/core/divergence';
import type { TokenRecord } from '../../../src/core/result';

const token = (index: number, special = false): TokenRecord =>
  ({
    index,
    id: 100 + index,
    text: `t${index}`,
    start: index,
    end: index + 1,
    ...(special ? { special } : {}),
  }) as TokenRecord;
const pair = (log2P: number, log2Q: number, klBits: number, logRatioVarBits2: number): PairMeasures => ({
  log2P,
  log2Q,
  klBits,
  logRatioVarBits2,
});

test('records accumulate A_t, M_t and z; a special token is shown with the sums and leaves them alone', () => {
  const sums = new CompensatorSums();
  const first = diTokenRecord(token(0), pair(-1, -3, 0.5, 0.25), 0.7, false, sums);
  // iota = −1 − (−3) = 2; A = 0.5; M = 2 − 0.5 = 1.5; z = 1.5 / √0.25 = 3
  assert.deepEqual(first, {
    index: 0,
    id: 100,
    text: 't0',
    start: 0,
    end: 1,
    iotaBits: 2,
    klBits: 0.5,
    compensatorBits: 0.5,
    residualBits: 1.5,
    z: 3,
    surprisalBits: 1,
    baselineSurprisalBits: 3,
    entropyBits: 0.7,
    logRatioVarBits2: 0.25,
  });
  const special = diTokenRecord(token(1, true), pair(-2, -2.5, 0.125, 1), 0.2, true, sums);
  assert.deepEqual(
    [
      special.iotaBits,
      special.compensatorBits,
      special.residualBits,
      special.z,
      special.special,
      special.truncatedContext,
    ],
    [0.5, 0.5, 1.5, null, true, true],
  );
  assert.deepEqual([sums.iotaBits, sums.klBits, sums.varBits2], [2, 0.5, 0.25], 'the special token is not summed');
  const third = diTokenRecord(token(2), pair(-1, -1, 0.5, 0.75), 0.1, false, sums);
  // Σ iota = 2 + 0, A = 0.5 + 0.5 = 1, M = 1, z = 1 / √(0.25 + 0.75) = 1
  assert.deepEqual([third.iotaBits, third.compensatorBits, third.residualBits, third.z], [0, 1, 1, 1]);
  assert.equal('truncatedContext' in third, false);
});
