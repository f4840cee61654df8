/**
 * Re-scoring an edited text from the KV cache of its unchanged prefix (live mode). A PrefixCache
 * remembers the last scored sequence of one document: its token ids, the measures of its tokens and
 * the cache of every position. The next analysis of the same document finds the longest run of equal
 * ids, keeps the measures of the targets inside it (a target's prediction depends only on the ids
 * before it), cuts the cache just before the first changed id and scores only from there.
 * Only texts that fit one context window are reused; others are scored in full.
 */
import type { TokenRecord } from './result';
import type { KvCache, ScoringModel } from './scoringModel';

/** The measure fields of a token (its span comes from the new tokenization). */
export type TokenMeasureFields = Pick<
  TokenRecord,
  'surprisalBits' | 'probability' | 'entropyBits' | 'varentropyBits2' | 'surpriseExcessBits' | 'rank' | 'topK'
>;

interface PrefixState {
  model: ScoringModel;
  /** topK and BOS choice the measures were made with. */
  key: string;
  seq: number[];
  /** Measures by sequence position of the target (undefined where there is none). */
  measures: (TokenMeasureFields | undefined)[];
  cache: KvCache;
}

export interface PrefixReuse {
  /** Sequence positions whose cache is reused: scoring restarts at this position. */
  start: number;
  cache: KvCache;
  /** Measures of the targets at sequence positions [firstTarget, start + 1). */
  measures: (TokenMeasureFields | undefined)[];
}

/** Tokens whose measures are reused (for logs and tests). */
export interface PrefixStats {
  reusedTargets: number;
  scoredTargets: number;
}

export class PrefixCache {
  private state: PrefixState | null = null;
  /** What the last analysis reused; null before the first. */
  lastStats: PrefixStats | null = null;

  /**
   * The reusable part for `seq`, or null. The returned cache is a new one (the caller disposes it).
   * At least one position is always re-fed: the row before the first changed id must be recomputed.
   */
  async take(model: ScoringModel, key: string, seq: ArrayLike<number>): Promise<PrefixReuse | null> {
    const s = this.state;
    if (!s || s.model !== model || s.key !== key || !model.sliceCache) return null;
    let m = 0;
    const n = Math.min(seq.length, s.seq.length);
    while (m < n && seq[m] === s.seq[m]) m++;
    // Targets at positions < m keep their measures; the row at m − 1 predicts position m, whose id
    // changed (or is new), so the pass restarts at m − 1 with the cache of [0, m − 1).
    const start = Math.min(m, seq.length) - 1;
    if (start < 1) return null;
    return { start, cache: await model.sliceCache(s.cache, start), measures: s.measures.slice(0, start + 1) };
  }

  /** Keeps `cache` (the whole of `seq`) and the measures; disposes what was held before. */
  remember(
    model: ScoringModel,
    key: string,
    seq: ArrayLike<number>,
    measures: (TokenMeasureFields | undefined)[],
    cache: KvCache,
  ): void {
    this.state?.cache.dispose();
    this.state = { model, key, seq: Array.from(seq), measures, cache };
  }

  dispose(): void {
    this.state?.cache.dispose();
    this.state = null;
  }
}

/** The measure fields of a record, copied. */
export function measureFields(t: TokenRecord): TokenMeasureFields {
  return {
    surprisalBits: t.surprisalBits,
    probability: t.probability,
    entropyBits: t.entropyBits,
    varentropyBits2: t.varentropyBits2,
    surpriseExcessBits: t.surpriseExcessBits,
    rank: t.rank,
    topK: t.topK,
  };
}
