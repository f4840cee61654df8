/**
 * Generation with the information flow measured as it happens (measures.md, "Compensator" and
 * "Expected flow"). Two KV caches step in lockstep: the prompted context and the baseline context
 * both receive each generated token, so every step gives p(.|x, y<t) and p~(.|y<t) at once: iota_t,
 * KL_t, A_t, M_t and z. Monte Carlo mode draws K samples at temperature 1 (no top-k/top-p, which
 * would change the measure) in batches that share the two prefilled caches, and averages A_t into
 * the expected flow F(t).
 */
import { SemanticFlowError, throwIfAborted } from './errors';
import { NEUTRAL_TEXT, type BaselineKind, type BaselineOptions } from './directedInput';
import { CompensatorSums } from './diTokenRecord';
import { pairMeasures } from './divergence';
import type { AnalysisResult, DiTokenRecord, GenerationResult, GenerationSample, TokenRecord } from './result';
import { argmax, mulberry32, sampleId, sampleSeed } from './sampling';
import { logitsRow, type KvCache, type ScoringModel } from './scoringModel';
import { prefill, type Prefilled } from './prefill';
import { blankRecord, fillRecord } from './tokenRecords';
import { positionMeasures } from './tokenMeasures';
import { resultObject } from './resultObject';

export type GeneratedToken = DiTokenRecord & { surprisalBits: number; entropyBits: number };
type StopReason = GenerationSample['stopReason'];

export interface GenerateProgress {
  stage: 'generate';
  doneSamples: number;
  totalSamples: number;
  step: number;
}

/** Sampling is reproducible: the same seed gives the same text. */
export const DEFAULT_SEED = 0;

export interface GenerateOptions extends BaselineOptions {
  /** Most tokens per sample (default 64). */
  maxTokens?: number;
  greedy?: boolean;
  /** Sampling temperature (default 1); the measures always use the model's own distribution. */
  temperature?: number;
  seed?: number;
  /** K > 1: Monte Carlo expected flow over K samples at temperature 1. */
  samples?: number;
  bos?: boolean;
  /** Stop a sample at the model's EOS (default true). */
  stopAtEos?: boolean;
  topK?: number;
  chunkSize?: number;
  /** Samples per batched forward pass (default 16). */
  maxBatch?: number;
  signal?: AbortSignal;
  /** Every generated token of every sample, as produced. */
  onToken?: (t: GeneratedToken, sample: number) => void;
  onProgress?: (p: GenerateProgress) => void;
}

function baselineIdsOf(
  model: ScoringModel,
  kind: BaselineKind,
  text: string | undefined,
): { ids: number[]; text: string } {
  if (kind === 'bos') return { ids: [], text: '' };
  const t = kind === 'neutral' ? NEUTRAL_TEXT : text;
  if (!t) throw new SemanticFlowError('bad-argument', 'The baseline `text` needs a non-empty baseline text.');
  return { ids: model.tokenize(t).ids, text: t };
}

function meanStd(values: number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/** Mean and spread at each step of per-sample cumulative curves; a finished sample keeps its last value. */
function expectedCurve(curves: number[][]): { mean: number[]; std: number[] } {
  const L = Math.max(0, ...curves.map((c) => c.length));
  const mean: number[] = [],
    std: number[] = [];
  for (let t = 0; t < L; t++) {
    const m = meanStd(curves.filter((c) => c.length > 0).map((c) => c[Math.min(t, c.length - 1)]));
    mean.push(m.mean);
    std.push(m.std);
  }
  return { mean, std };
}

const cumulative = (xs: number[]): number[] => {
  let s = 0;
  return xs.map((x) => (s += x));
};

function validate(o: GenerateOptions): { K: number; T: number; maxTokens: number } {
  const K = o.samples ?? 1;
  const T = o.temperature ?? 1;
  const maxTokens = o.maxTokens ?? 64;
  if (!Number.isInteger(K) || K < 1)
    throw new SemanticFlowError('bad-argument', `The number of samples must be a whole number ≥ 1, not ${K}.`);
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new SemanticFlowError(
      'bad-argument',
      `The maximum number of tokens must be a whole number ≥ 1, not ${maxTokens}.`,
    );
  if (!(T > 0) || !Number.isFinite(T))
    throw new SemanticFlowError('bad-argument', `The temperature must be a positive number, not ${T}.`);
  if (K > 1 && (o.greedy || T !== 1)) {
    throw new SemanticFlowError(
      'bad-argument',
      'Monte Carlo flow (more than one sample) samples at temperature 1 without greedy decoding; other settings change the measure.',
    );
  }
  return { K, T, maxTokens };
}

export async function generate(
  model: ScoringModel,
  prompt: string,
  options: GenerateOptions = {},
): Promise<AnalysisResult> {
  const { K, T, maxTokens } = validate(options);
  const { topK = 5, chunkSize = 128, bos = true, stopAtEos = true, signal } = options;
  const seed = options.seed ?? DEFAULT_SEED;
  const baselineKind = options.baseline ?? 'bos';
  const W = model.info.contextWindow ?? Infinity;
  const bosId = model.info.bosTokenId,
    eosId = model.info.eosTokenId;
  const eosIds = new Set(model.info.eosTokenIds ?? (eosId !== null ? [eosId] : []));
  throwIfAborted(signal);

  const tok = prompt.length > 0 ? model.tokenize(prompt) : { ids: [], spans: [], special: [] };
  const base = baselineIdsOf(model, baselineKind, options.baselineText);
  const prefix = bos && bosId !== null ? [bosId] : [];
  const seqA = [...prefix, ...tok.ids],
    seqB = [...prefix, ...base.ids];
  if (seqA.length === 0 || seqB.length === 0) {
    throw new SemanticFlowError(
      'bad-input',
      `The model ${model.info.id} has no BOS token, so an empty ${seqA.length === 0 ? 'prompt' : 'baseline'} gives no prediction for the first token; give a prompt and use --baseline neutral or text.`,
    );
  }
  if (Math.max(seqA.length, seqB.length) >= W) {
    throw new SemanticFlowError(
      'too-large',
      `The prompt is ${seqA.length} tokens; the model's context window of ${W} tokens leaves no room to generate.`,
    );
  }

  const promptTokens: TokenRecord[] = tok.ids.map((_, i) => blankRecord(tok, i, prompt, model, i));
  const pA = await prefill(model, seqA, chunkSize, signal, (target, row) =>
    fillRecord(promptTokens[target - prefix.length], row, topK, model),
  );
  let pB: Prefilled;
  try {
    pB = await prefill(model, seqB, chunkSize, signal);
  } catch (e) {
    pA.cache?.dispose();
    throw e;
  }
  if (!pA.cache || !pB.cache) {
    pA.cache?.dispose();
    pB.cache?.dispose();
    throw new SemanticFlowError(
      'unsupported-model',
      `The model ${model.info.id} returns no KV cache, which generation needs.`,
    );
  }

  const batchMax = model.tileCache ? Math.max(1, options.maxBatch ?? 16) : 1;
  const samples: GenerationSample[] = [];
  const first: GeneratedToken[] = [];
  const firstRecords: TokenRecord[] = [];
  let generatedText = '';
  let cancelled = false;

  try {
    for (let k0 = 0; k0 < K && !cancelled; k0 += batchMax) {
      const R = Math.min(batchMax, K - k0);
      const group = Array.from({ length: R }, (_, r) => ({
        k: k0 + r,
        rng: mulberry32(sampleSeed(seed, k0 + r)),
        sums: new CompensatorSums(),
        sample: { text: '', tokenIds: [], iotaBits: [], klBits: [], stopReason: 'max-tokens' } as GenerationSample,
        active: true,
      }));
      // Caches of this group; the prefilled ones are shared by all groups and disposed at the end.
      let cacheA: KvCache | null = R > 1 ? await model.tileCache!(pA.cache!, R) : pA.cache;
      let cacheB: KvCache | null = R > 1 ? await model.tileCache!(pB.cache!, R) : pB.cache;
      const owned = () => R > 1 || cacheA !== pA.cache;
      let outA: Float32Array[] = Array.from({ length: R }, () => pA.lastRow);
      let outB: Float32Array[] = Array.from({ length: R }, () => pB.lastRow);
      try {
        for (let step = 0; ; step++) {
          if (signal?.aborted) {
            cancelled = true;
            for (const g of group) if (g.active) g.sample.stopReason = 'cancelled';
            break;
          }
          const next: number[] = [];
          for (let r = 0; r < R; r++) {
            const g = group[r];
            if (!g.active) {
              next.push(eosId ?? 0);
              continue;
            }
            const rowA = outA[r],
              rowB = outB[r];
            const y = options.greedy ? argmax(rowA) : sampleId(rowA, T, g.rng());
            const pm = pairMeasures(rowA, rowB, y);
            const iotaBits = pm.log2P - pm.log2Q;
            const s = g.sums.add(iotaBits, pm.klBits, pm.logRatioVarBits2);
            const text = model.tokenText(y);
            g.sample.tokenIds.push(y);
            g.sample.iotaBits.push(iotaBits);
            g.sample.klBits.push(pm.klBits);
            const isEos = eosIds.has(y);
            const shown = isEos ? '' : text;
            let entropyBits: number;
            if (g.k === 0) {
              const rec: TokenRecord = {
                ...blankRecord(
                  { ids: [y], spans: [{ start: 0, end: 0 }], special: [isEos] },
                  0,
                  '',
                  model,
                  promptTokens.length + step,
                ),
                text,
                start: prompt.length + generatedText.length,
                end: prompt.length + generatedText.length + shown.length,
              };
              entropyBits = fillRecord(rec, rowA, topK, model).entropyBits;
              firstRecords.push(rec);
              generatedText += shown;
            } else entropyBits = positionMeasures(rowA, y, 0).entropyBits;
            g.sample.text += shown;
            const t: GeneratedToken = {
              index: promptTokens.length + step, // into result.tokens, as di's token indices are
              id: y,
              text,
              start: prompt.length + g.sample.text.length - shown.length,
              end: prompt.length + g.sample.text.length,
              iotaBits,
              klBits: pm.klBits,
              ...s,
              surprisalBits: -pm.log2P,
              baselineSurprisalBits: -pm.log2Q,
              entropyBits,
              logRatioVarBits2: pm.logRatioVarBits2,
            };
            if (g.k === 0) first.push(t);
            options.onToken?.(t, g.k);
            let stop: StopReason | null = null;
            if (isEos && stopAtEos) stop = 'eos';
            else if (step + 1 >= maxTokens) stop = 'max-tokens';
            else if (Math.max(pA.length, pB.length) + step + 1 > W) stop = 'context-window';
            if (stop) {
              g.active = false;
              g.sample.stopReason = stop;
            }
            next.push(y);
          }
          options.onProgress?.({
            stage: 'generate',
            doneSamples: k0 + group.filter((g) => !g.active).length,
            totalSamples: K,
            step,
          });
          if (!group.some((g) => g.active)) break;
          const ids = next.map((y) => [y]);
          const fa = await model.forward({ inputIds: ids, past: cacheA, keepCache: true }, signal);
          let fb: Awaited<ReturnType<ScoringModel['forward']>>;
          try {
            fb = await model.forward({ inputIds: ids, past: cacheB, keepCache: true }, signal);
          } catch (e) {
            fa.cache?.dispose(); // the prompted step's new cache is not held anywhere yet
            throw e;
          }
          if (owned()) {
            cacheA?.dispose();
            cacheB?.dispose();
          }
          cacheA = fa.cache;
          cacheB = fb.cache;
          outA = Array.from({ length: R }, (_, r) => logitsRow(fa, r, 0));
          outB = Array.from({ length: R }, (_, r) => logitsRow(fb, r, 0));
        }
      } catch (e) {
        if ((e as { code?: string }).code !== 'cancelled') throw e;
        cancelled = true;
        for (const g of group) if (g.active) g.sample.stopReason = 'cancelled';
      } finally {
        if (owned()) {
          cacheA?.dispose();
          cacheB?.dispose();
        }
      }
      samples.push(...group.filter((g) => g.sample.tokenIds.length > 0).map((g) => g.sample));
    }
  } finally {
    pA.cache?.dispose();
    pB.cache?.dispose();
  }

  const flow = expectedCurve(samples.map((s) => cumulative(s.klBits)));
  const iota = expectedCurve(samples.map((s) => cumulative(s.iotaBits)));
  const generation: GenerationResult = {
    prompt,
    tokens: first,
    samples: samples.length,
    expectedFlowBits: flow.mean,
    ...(K > 1 ? { expectedFlowStdBits: flow.std } : {}),
    stopReason: cancelled ? 'cancelled' : (samples[0]?.stopReason ?? 'cancelled'),
    seed,
    temperature: T,
    ...(options.greedy ? { greedy: true } : {}),
    baseline: baselineKind,
    ...(baselineKind !== 'bos' ? { baselineText: base.text } : {}),
    expectedIotaBits: iota.mean,
    ...(K > 1 ? { expectedIotaStdBits: iota.std, sampleDetails: samples } : {}),
  };
  const text = prompt + generatedText;
  const tokens = [...promptTokens, ...firstRecords];
  return resultObject(model.info, text, tokens, { topK, bos: prefix.length > 0, chunkSize }, { generation });
}
