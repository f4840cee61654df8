/**
 * Independent reference: runs a model folder's ONNX file directly with onnxruntime-node (no
 * transformers.js, no engine code) on given ids and returns log2 p(next id) per position.
 */
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function rawOrtSession(modelDir: string, file = 'model.onnx'): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(join(modelDir, 'onnx', file));
}

export function rawFeeds(session: ort.InferenceSession, modelDir: string, ids: number[]): Record<string, ort.Tensor> {
  const cfg = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
  const i64 = (a: number[]) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
  const feeds: Record<string, ort.Tensor> = { input_ids: i64(ids), attention_mask: i64(ids.map(() => 1)) };
  if (session.inputNames.includes('position_ids')) feeds.position_ids = i64(ids.map((_, i) => i));
  // the cache has num_key_value_heads heads (grouped-query attention) of head_dim
  const heads = cfg.n_head ?? cfg.num_attention_heads;
  const kvHeads = cfg.num_key_value_heads ?? heads,
    dim = cfg.head_dim ?? (cfg.n_embd ?? cfg.hidden_size) / heads;
  for (const n of session.inputNames)
    if (n.startsWith('past_key_values.'))
      feeds[n] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, dim]);
  return feeds;
}

/** log2 p(ids[t] | ids[<t]) for t = 1..L-1, from one full pass, softmax computed with plain loops. */
export async function rawLog2Probs(modelDir: string, ids: number[]): Promise<number[]> {
  const session = await rawOrtSession(modelDir);
  const out = await session.run(rawFeeds(session, modelDir, ids));
  const logits = out.logits.data as Float32Array;
  const V = out.logits.dims[2];
  const res: number[] = [];
  for (let t = 1; t < ids.length; t++) {
    const row = logits.subarray((t - 1) * V, t * V);
    let m = -Infinity;
    for (const l of row) m = Math.max(m, l);
    let z = 0;
    for (const l of row) z += Math.exp(l - m);
    res.push((row[ids[t]] - m - Math.log(z)) / Math.LN2);
  }
  await session.release();
  return res;
}
