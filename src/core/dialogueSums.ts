/**
 * The sums of a dialogue's directed information (measures.md, "Directed information in a dialogue"): per
 * turn, per direction, and the conservation check. The check's mutual information is built from the token
 * records' surprisals (the joint pass's own measures) and the baseline surprisals, kept apart from the
 * iota sums it is compared with.
 */
import type { ChatLayout } from './chatLayout';
import type { CompensatorSums } from './diTokenRecord';
import type { DialogueConservation, DialogueDirection, DialogueTokenRecord, DialogueTurn, TokenRecord } from './result';

export type Side = DialogueTokenRecord['direction'];

const scored = (r: { special?: boolean }): boolean => !r.special;

export function turnsOf(
  layout: ChatLayout,
  tokens: readonly TokenRecord[],
  records: readonly DialogueTokenRecord[],
): DialogueTurn[] {
  const byTurn = new Map<number, DialogueTokenRecord[]>();
  for (const r of records) {
    if (!byTurn.has(r.turn)) byTurn.set(r.turn, []);
    byTurn.get(r.turn)!.push(r);
  }
  const cumulative: Record<Side, number> = { 'user-to-assistant': 0, 'assistant-to-user': 0 };
  const cumulativeKl: Record<Side, number> = { 'user-to-assistant': 0, 'assistant-to-user': 0 };
  return layout.messages.map((m) => {
    const own = (byTurn.get(m.message) ?? []).filter(scored);
    let bits = 0;
    for (let i = m.tokenStart; i < m.tokenEnd; i++)
      if (scored(tokens[i]) && tokens[i].surprisalBits !== null) bits += tokens[i].surprisalBits!;
    const iotaBits = own.reduce((a, r) => a + r.iotaBits, 0);
    const klBits = own.reduce((a, r) => a + r.klBits, 0);
    const side =
      own[0]?.direction ??
      (m.role === 'user' ? 'assistant-to-user' : m.role === 'assistant' ? 'user-to-assistant' : null);
    if (side) {
      cumulative[side] += iotaBits;
      cumulativeKl[side] += klBits;
    }
    return {
      message: m.message,
      role: m.role as DialogueTurn['role'],
      start: m.start,
      end: m.end,
      tokenStart: m.tokenStart,
      tokenEnd: m.tokenEnd,
      bits,
      baselineBits: side ? own.reduce((a, r) => a + (r.baselineSurprisalBits ?? 0), 0) : bits,
      iotaBits,
      klBits,
      cumulativeBits: side ? cumulative[side] : 0,
      cumulativeKlBits: side ? cumulativeKl[side] : 0,
    };
  });
}

export function directionOf(
  records: readonly DialogueTokenRecord[],
  side: Side,
  sums: CompensatorSums,
): DialogueDirection {
  const own = records.filter((r) => r.direction === side && scored(r));
  return {
    totalBits: sums.iotaBits,
    totalKlBits: sums.klBits,
    totalResidualBits: sums.iotaBits - sums.klBits,
    finalZ: own.length ? own[own.length - 1].z : null,
    jointBits: own.reduce((a, r) => a + (r.surprisalBits ?? 0), 0),
    baselineBits: own.reduce((a, r) => a + (r.baselineSurprisalBits ?? 0), 0),
  };
}

/**
 * î(X;Y) = L_X + L_Y − L_J against I(X → Y) + I(0Y → X) (identity 10). L_J comes from the token records
 * of the joint pass; `sideOf(i)` says which tokens are content of a side.
 */
export function conservationOf(
  tokens: readonly TokenRecord[],
  sideOf: (i: number) => Side | undefined,
  records: readonly DialogueTokenRecord[],
  xy: DialogueDirection,
  yx: DialogueDirection,
  why: { truncated: boolean; unscored: boolean },
): DialogueConservation {
  let joint = 0,
    template = 0;
  tokens.forEach((t, i) => {
    if (t.surprisalBits === null) return;
    if (sideOf(i) === undefined) template += t.surprisalBits;
    else if (scored(t)) joint += t.surprisalBits;
  });
  const baseline = records.filter(scored).reduce((a, r) => a + (r.baselineSurprisalBits ?? 0), 0);
  const mutualInformationBits = baseline - joint;
  const directedSumBits = xy.totalBits + yx.totalBits;
  const exact = !why.truncated && !why.unscored;
  const note = exact
    ? "Exact by construction: both sides are the joint pass's per-token log-probabilities, grouped by owner, minus those of the two baseline passes; î uses the baseline passes in place of the model's marginals, so it is the pointwise mutual information only to that extent."
    : why.truncated
      ? 'Not exact: some tokens were scored with a sliding window (the transcript is longer than the context window), so a pass is no longer one chain-rule factorisation and the totals are not code lengths of the three sequences.'
      : 'Not exact: the first content token has no prediction (no BOS before it), so it is missing from every total.';
  return {
    mutualInformationBits,
    directedSumBits,
    gapBits: mutualInformationBits - directedSumBits,
    exact,
    note,
    templateBits: template,
  };
}
