/**
 * Orchestration: text → tokens with spans → chunked passes (KV cache) → per-token measures →
 * one AnalysisResult. Each chunk's logits are reduced to measures before the next chunk runs, so
 * memory is bounded by the chunk size; past the context window a sliding window with a stride
 * takes over and flags the tokens it scores (measures.md, "Conventions").
 */
import { SemanticFlowError, throwIfAborted } from './errors';
import type { AnalysisResult, TokenRecord } from './result';
import { logitsRow, type KvCache, type ScoringModel } from './scoringModel';
import { measuresFromRow, positionMeasures, type PositionMeasures } from './tokenMeasures';
import { planScoring } from './chunkPlan';
import { blankRecord, setMeasures } from './tokenRecords';
import { measureFields, type PrefixCache, type TokenMeasureFields } from './prefixReuse';
import { resultObject } from './resultObject';
import { SummarySums } from './summary';
import { packTokens, packedRecord } from './packedTokens';

export interface AnalyzeProgress {
  stage: 'score';
  doneTokens: number;
  totalTokens: number;
}

export interface AnalyzeOptions {
  topK?: number;
  /** Tokens per forward pass. */
  chunkSize?: number;
  /** New tokens per sliding window once the text is longer than the context window. */
  stride?: number;
  /** Prepend the model's BOS when it has one (default true). */
  bos?: boolean;
  /** Add word and line aggregates to the result. */
  units?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: AnalyzeProgress) => void;
  /** Called with each finished token as soon as its chunk is reduced (streaming views). */
  onToken?: (t: TokenRecord) => void;
  /**
   * false: every token, scored or not, goes to onToken in order and is not kept (result.tokens is
   * empty, the summary is summed as they pass), so memory does not grow with the number of tokens.
   * Ignored with `units` and `prefixCache`, which need the tokens. Default true.
   */
  keepTokens?: boolean;
  /**
   * Awaited before each forward pass: a streaming consumer whose output is full (a slow pipe) holds the
   * scoring until it has caught up, so output written but not yet taken stays about one chunk.
   */
  untilConsumed?: () => Promise<void>;
  source?: AnalysisResult['source'];
  /**
   * The previous analysis of the same document (live mode): the unchanged prefix's KV cache and
   * measures are reused, and this analysis is remembered for the next one. Texts longer than the
   * context window are scored in full.
   */
  prefixCache?: PrefixCache;
}

export const DEFAULT_TOP_K = 5;
export const DEFAULT_CHUNK_SIZE = 128;

/**
 * The sequence to score and the text's tokens: records when they are kept, packed otherwise (packed as the
 * tokenizer makes them where the model can, so the whole text's tokens never exist as objects). A function
 * of its own so that the tokenizer's output is garbage once it returns, not held by the closures of a long
 * streamed analysis.
 */
function tokenized(model: ScoringModel, text: string, prefix: number[], keep: boolean) {
  if (!keep) {
    const packed = model.tokenizePacked?.(text, prefix) ?? packTokens(model.tokenize(text), prefix);
    return { seq: packed.seq, tokens: [] as TokenRecord[], packed };
  }
  const tok = model.tokenize(text);
  return {
    seq: [...prefix, ...tok.ids],
    tokens: tok.ids.map((_, i) => blankRecord(tok, i, text, model, i)),
    packed: null,
  };
}

/** Scores `text` with `model`; every token gets its exact span and measures in bits. */
export async function analyzeText(
  text: string,
  model: ScoringModel,
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const { topK = DEFAULT_TOP_K, bos = true, signal } = options;
  // Without a KV cache a window cannot be split into chunks: each window is one pass.
  const chunkSize = model.info.kvCache === false ? Number.MAX_SAFE_INTEGER : (options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  if (text.length === 0) throw new SemanticFlowError('bad-input', 'There is no text to analyze: the input is empty.');
  throwIfAborted(signal);
  const useBos = bos && model.info.bosTokenId !== null;
  const prefix = useBos ? [model.info.bosTokenId as number] : [];
  const keep = options.keepTokens !== false || options.units === true || options.prefixCache !== undefined;
  const { seq, tokens, packed } = tokenized(model, text, prefix, keep);
  const count = seq.length - prefix.length;
  const idsIn = (a: number, b: number): number[] => Array.from(seq.slice(a, b));
  const plan = planScoring({
    length: seq.length,
    firstTarget: prefix.length > 0 ? prefix.length : 1,
    contextWindow: model.info.contextWindow,
    chunkSize,
    stride: options.stride,
  });

  const sums = keep ? null : new SummarySums();
  const recordAt = (i: number): TokenRecord => (packed ? packedRecord(packed, i, text, model) : tokens[i]);
  const emit = (t: TokenRecord): void => {
    sums?.add(t);
    options.onToken?.(t);
  };
  // Streamed, the tokens no pass predicts (the first one without BOS) go out too, in order.
  if (!keep)
    for (let i = 0; i < Math.min(count, (plan.windows[0]?.targetStart ?? seq.length) - prefix.length); i++)
      emit(recordAt(i));

  const total = plan.windows.reduce((n, w) => n + (w.targetEnd - w.targetStart), 0);
  let done = 0;
  const prefixCache = options.prefixCache;
  const keepAll =
    prefixCache !== undefined &&
    plan.windows.length === 1 &&
    model.info.kvCache !== false &&
    model.sliceCache !== undefined;
  if (prefixCache && !keepAll) {
    prefixCache.dispose();
    prefixCache.lastStats = null;
  }
  const reuseKey = `${topK}|${useBos}`;
  const reuse = keepAll ? await prefixCache.take(model, reuseKey, seq) : null;
  // Only live mode remembers measures by position; a streamed long text must not hold a slot per token.
  const measuresBySeq: (TokenMeasureFields | undefined)[] = keepAll ? new Array(seq.length) : [];
  if (reuse) {
    for (let q = plan.windows[0].targetStart; q <= reuse.start; q++) {
      const m = reuse.measures[q];
      if (!m) continue;
      Object.assign(tokens[q - prefix.length], m);
      measuresBySeq[q] = m;
      options.onToken?.(tokens[q - prefix.length]);
      done++;
    }
    prefixCache!.lastStats = { reusedTargets: done, scoredTargets: total - done };
  } else if (keepAll) {
    prefixCache!.lastStats = { reusedTargets: 0, scoredTargets: total };
  }
  for (const w of plan.windows) {
    let cache: KvCache | null = reuse ? reuse.cache : null;
    try {
      for (let a = reuse ? reuse.start : w.begin; a < w.end; a += chunkSize) {
        await options.untilConsumed?.();
        throwIfAborted(signal);
        const b = Math.min(w.end, a + chunkSize);
        const lastChunk = b >= w.end && !keepAll;
        // Rows p in [first, b) predict targets p + 1 inside this window's scored range.
        const first = Math.max(a, w.targetStart - 1);
        const last = Math.min(b, w.targetEnd - 1); // exclusive
        const record = (p: number, m: Omit<PositionMeasures, 'logZ' | 'max'>) => {
          const t = recordAt(p + 1 - prefix.length);
          setMeasures(t, m, model);
          if (w.begin > 0) t.truncatedContext = true;
          if (keepAll) measuresBySeq[p + 1] = measureFields(t);
          emit(t);
          done++;
        };
        // The new cache replaces the old one as soon as the pass returns, before any callback runs, so
        // a throwing onToken/onProgress cannot leak it (the finally below disposes whatever `cache` holds).
        const advance = (next: KvCache | null): void => {
          cache?.dispose();
          cache = next;
        };
        if (first >= last) {
          advance(
            (
              await model.forward(
                { inputIds: [idsIn(a, b)], past: cache, keepCache: !lastChunk, wantLogits: false },
                signal,
              )
            ).cache,
          );
        } else if (model.forwardMeasures) {
          const targets = [Array.from({ length: b - first }, (_, r) => seq[first + r + 1] ?? 0)];
          const rows = await model.forwardMeasures(
            {
              inputIds: [idsIn(a, b)],
              past: cache,
              keepCache: !lastChunk,
              firstRow: first - a,
              targets,
              topK: Math.max(1, topK),
            },
            signal,
          );
          advance(rows.cache);
          for (let p = first; p < last; p++) record(p, measuresFromRow(rows, p - first, topK));
        } else {
          const out = await model.forward({ inputIds: [idsIn(a, b)], past: cache, keepCache: !lastChunk }, signal);
          advance(out.cache);
          for (let p = first; p < last; p++) record(p, positionMeasures(logitsRow(out, 0, p - a), seq[p + 1], topK));
        }
        options.onProgress?.({ stage: 'score', doneTokens: done, totalTokens: total });
      }
      if (keepAll && cache) {
        prefixCache!.remember(model, reuseKey, seq, measuresBySeq, cache);
        cache = null; // held by the prefix cache now
      }
    } finally {
      cache?.dispose();
    }
  }

  const resultOptions = {
    topK,
    bos: useBos,
    chunkSize: Math.min(chunkSize, seq.length),
    ...(plan.stride ? { stride: plan.stride } : {}),
    ...(reuse ? { reusedPrefixTokens: prefixCache!.lastStats!.reusedTargets } : {}),
  };
  return resultObject(model.info, text, tokens, resultOptions, {
    source: options.source,
    units: options.units,
    ...(sums ? { summary: sums.summary(text) } : {}),
  });
}
