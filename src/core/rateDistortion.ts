/**
 * Rate–distortion of a quantised model (measures.md, "Rate–distortion of a quantised model"): each
 * variant is compared with the fp32 reference on the given texts by compareModels (the kappa and delta of
 * "Two models on one text"), and its per-token values become one point: mean KL and Δ bits/byte with
 * percentile-bootstrap intervals, and the tokens with the largest KL. Variants are opened one at a time,
 * so only the reference and one variant are in memory.
 */
import { bootstrapRatio, DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from './bootstrap';
import { compareModels } from './comparison';
import { SemanticFlowError, throwIfAborted } from './errors';
import type { AnalysisResult, Device, RateDistortionPoint, RdWorstToken, TokenRecord } from './result';
import { resultObject } from './resultObject';
import type { ScoringModel } from './scoringModel';

export interface RdVariantSource {
  name: string;
  file: string;
  bytes: number;
  /** Loads the variant (the reference itself for fp32); `close` disposes what `open` loaded. */
  open(): Promise<{ model: ScoringModel; close(): Promise<void> }>;
}

export interface RdProgress {
  stage: 'rate-distortion';
  variant: string;
  /** Variants finished, and all of them. */
  doneVariants: number;
  totalVariants: number;
  doneTokens: number;
  totalTokens: number;
}

export interface RateDistortionOptions {
  /** The reference's file (onnx/model.onnx) and its parameter count (modelVariants.referenceParameters). */
  reference: string;
  parameters: number;
  resamples?: number;
  seed?: number;
  /** Worst tokens kept per variant (default 10). */
  worst?: number;
  topK?: number;
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: RdProgress) => void;
}

export const DEFAULT_WORST = 10;
const utf8 = new TextEncoder();

/** Per-token values of one variant over all texts, in text order. */
interface Scored {
  kl: number[];
  delta: number[];
  bytes: number[];
  where: { text: number; token: TokenRecord }[];
}

function worstTokens(s: Scored, k: number): RdWorstToken[] {
  return s.kl
    .map((kl, i) => ({ kl, i }))
    .sort((a, b) => b.kl - a.kl || a.i - b.i)
    .slice(0, k)
    .map(({ kl, i }) => {
      const { text, token } = s.where[i];
      return {
        text,
        index: token.index,
        start: token.start,
        end: token.end,
        token: token.text,
        klBits: kl,
        deltaBits: s.delta[i],
      };
    });
}

export async function rateDistortion(
  reference: ScoringModel,
  variants: RdVariantSource[],
  texts: { name: string; text: string }[],
  o: RateDistortionOptions,
): Promise<AnalysisResult> {
  if (texts.length === 0)
    throw new SemanticFlowError('bad-input', 'Rate–distortion needs at least one text to measure the distortion on.');
  if (variants.length === 0)
    throw new SemanticFlowError('model-not-found', 'The model folder has no onnx/model*.onnx variants.');
  const resamples = o.resamples ?? DEFAULT_RESAMPLES;
  const seed = o.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const worst = o.worst ?? DEFAULT_WORST;
  const totalTokens = texts.reduce((n, t) => n + reference.tokenize(t.text).ids.length, 0);
  let shown: AnalysisResult | null = null;
  const counts = texts.map((t) => ({ name: t.name, bytes: utf8.encode(t.text).length, tokens: 0 }));
  const points: RateDistortionPoint[] = [];

  for (const [vi, v] of variants.entries()) {
    throwIfAborted(o.signal);
    const opened = await v.open();
    const s: Scored = { kl: [], delta: [], bytes: [], where: [] };
    let device: Device | undefined;
    try {
      device = opened.model.info.device;
      let before = 0;
      for (const [ti, t] of texts.entries()) {
        const r = await compareModels(reference, opened.model, t.text, {
          topK: o.topK ?? 0,
          chunkSize: o.chunkSize,
          signal: o.signal,
          onProgress: (p) =>
            o.onProgress?.({
              stage: 'rate-distortion',
              variant: v.name,
              doneVariants: vi,
              totalVariants: variants.length,
              doneTokens: before + p.doneTokens,
              totalTokens,
            }),
        });
        before += r.tokens.length;
        if (vi === 0 && ti === 0) shown = r;
        let scored = 0;
        r.comparison!.tokens.forEach((c, k) => {
          const token = r.tokens[k];
          if (token.special || c.klBits === null || c.deltaBits === null) return;
          scored++;
          s.kl.push(c.klBits);
          s.delta.push(c.deltaBits);
          s.bytes.push(utf8.encode(t.text.slice(token.start, token.end)).length);
          s.where.push({ text: ti, token });
        });
        counts[ti].tokens = scored;
      }
    } finally {
      await opened.close();
    }
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    // delta is log2 p_fp32 − log2 p_variant, so the variant's extra bits are −delta.
    const extra = s.delta.map((d) => -d);
    points.push({
      variant: v.name,
      file: v.file,
      bytes: v.bytes,
      bitsPerWeight: (8 * v.bytes) / o.parameters,
      tokens: s.kl.length,
      meanKlBits: s.kl.length ? sum(s.kl) / s.kl.length : NaN,
      klInterval: bootstrapRatio(s.kl, null, { resamples, seed }),
      deltaBitsPerByte: sum(s.bytes) > 0 ? sum(extra) / sum(s.bytes) : NaN,
      deltaInterval: bootstrapRatio(extra, s.bytes, { resamples, seed }),
      worst: worstTokens(s, worst),
      ...(device ? { device } : {}),
    });
  }
  const first = shown as AnalysisResult | null;
  if (!first) throw new Error('rateDistortion: no comparison ran');
  points.sort((a, b) => a.bytes - b.bytes || a.variant.localeCompare(b.variant));

  return resultObject(
    reference.info,
    texts[0].text,
    first.tokens,
    first.options ?? { topK: o.topK ?? 0, bos: true, chunkSize: o.chunkSize ?? 128 },
    {
      rateDistortion: {
        reference: o.reference,
        parameters: o.parameters,
        texts: counts,
        bootstrap: { resamples, seed, level: 0.95 },
        points,
      },
    },
  );
}
