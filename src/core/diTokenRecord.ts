/**
 * One response token's directed-information record (measures.md, "Directed information"), the same in
 * the prompt → response analysis and in a dialogue: iota and KL from the pair of rows, and A_t, M_t and z
 * from running sums. A special token is shown with the sums as they stand and does not move them.
 */
import type { PairMeasures } from './divergence';
import type { DiTokenRecord, TokenRecord } from './result';

/** Running sums that turn per-token iota, KL and variance into A_t, M_t and z. */
export class CompensatorSums {
  iotaBits = 0;
  klBits = 0;
  varBits2 = 0;
  add(
    iotaBits: number,
    klBits: number,
    varBits2: number,
  ): { compensatorBits: number; residualBits: number; z: number | null } {
    this.iotaBits += iotaBits;
    this.klBits += klBits;
    this.varBits2 += varBits2;
    const residualBits = this.iotaBits - this.klBits;
    return {
      compensatorBits: this.klBits,
      residualBits,
      z: this.varBits2 > 0 ? residualBits / Math.sqrt(this.varBits2) : null,
    };
  }
}

/**
 * The record of token `t` whose prompted and baseline rows gave `pm`; a scored (non-special) token is
 * added to `sums`. `entropyBits` is the prompted row's, already computed for the token's own measures.
 */
export function diTokenRecord(
  t: TokenRecord,
  pm: PairMeasures,
  entropyBits: number,
  truncatedContext: boolean,
  sums: CompensatorSums,
): DiTokenRecord {
  const iotaBits = pm.log2P - pm.log2Q;
  const running = t.special
    ? { compensatorBits: sums.klBits, residualBits: sums.iotaBits - sums.klBits, z: null }
    : sums.add(iotaBits, pm.klBits, pm.logRatioVarBits2);
  return {
    index: t.index,
    id: t.id,
    text: t.text,
    start: t.start,
    end: t.end,
    iotaBits,
    klBits: pm.klBits,
    ...running,
    surprisalBits: -pm.log2P,
    baselineSurprisalBits: -pm.log2Q,
    entropyBits,
    logRatioVarBits2: pm.logRatioVarBits2,
    ...(truncatedContext ? { truncatedContext: true } : {}),
    ...(t.special ? { special: true } : {}),
  };
}
