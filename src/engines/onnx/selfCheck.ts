/**
 * The self-check a model session passes on a GPU before the engine uses it: one two-token pass with
 * every output fetched, whose measures (or logits) must come back finite. A device whose provider
 * loads but cannot run the model (a missing kernel, a driver fault, outputs that cannot be read) fails
 * here, and the engine falls back to the next device with the reason, instead of failing the user's
 * first analysis.
 */
import { SCORER_INPUTS, SCORER_OUTPUTS } from './fusedScorer';
import { emptyInput, float32Of, int64Rows, int64Vector, type OrtSession, type OrtTensor } from './ortSession';

/** Feeds of a two-token pass from scratch (ids 0, 0), with the scorer's inputs when it has them. */
function checkFeeds(session: OrtSession): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = { input_ids: int64Rows([[0, 0]]), attention_mask: int64Rows([[1, 1]]) };
  if (session.has('position_ids')) feeds.position_ids = int64Rows([[0, 1]]);
  for (const [name, info] of session.inputs) if (name.startsWith('past_key_values.')) feeds[name] = emptyInput(info, 1);
  if (session.has(SCORER_INPUTS.targets)) {
    feeds[SCORER_INPUTS.firstRow] = int64Vector([0]);
    feeds[SCORER_INPUTS.targets] = int64Rows([[0, 0]]);
    feeds[SCORER_INPUTS.k] = int64Vector([1]);
  }
  return feeds;
}

/**
 * Runs the check; throws an Error whose message says what failed. `readLogits` brings a GPU logits
 * tensor to the CPU (the engine's cast graph), for a model without the fused scorer.
 */
export async function selfCheck(
  session: OrtSession,
  readLogits: (t: OrtTensor) => Promise<Float32Array>,
): Promise<void> {
  const out = await session.run(checkFeeds(session), [...session.outputs.keys()]);
  try {
    const values = session.outputs.has(SCORER_OUTPUTS.z)
      ? [...(out[SCORER_OUTPUTS.z].data as Float32Array), ...(out[SCORER_OUTPUTS.targetD].data as Float32Array)]
      : out.logits.location === 'gpu-buffer'
        ? [...(await readLogits(out.logits))]
        : [...float32Of(out.logits)];
    if (values.length === 0 || !values.every(Number.isFinite))
      throw new Error('the self-check pass gave values that are not finite numbers');
  } finally {
    for (const t of Object.values(out)) session.release(t);
  }
}
