/** Aggregates over a span of scored tokens (measures.md, "Aggregates over a span"). */
import type { RankBuckets, Summary, TokenRecord, UnitAggregate } from './result';

const utf8 = new TextEncoder();

export function emptyRankBuckets(): RankBuckets {
  return { '1': 0, '2-10': 0, '11-100': 0, '101-1000': 0, '>1000': 0 };
}

export function rankBucket(rank: number): keyof RankBuckets {
  if (rank <= 1) return '1';
  if (rank <= 10) return '2-10';
  if (rank <= 100) return '11-100';
  if (rank <= 1000) return '101-1000';
  return '>1000';
}

/**
 * Running sums of a summary, token by token, so that a streamed analysis need not keep its tokens.
 * Tokens without a prediction or marked special are counted but not scored.
 */
export class SummarySums {
  private tokens = 0;
  private totalBits = 0;
  private scored = 0;
  private entropySum = 0;
  private entropyCount = 0;
  private truncated = 0;
  private readonly rankBuckets = emptyRankBuckets();

  add(t: TokenRecord): void {
    this.tokens++;
    if (t.special || t.surprisalBits === null) return;
    this.totalBits += t.surprisalBits;
    this.scored++;
    if (t.entropyBits !== null) {
      this.entropySum += t.entropyBits;
      this.entropyCount++;
    }
    if (t.rank !== null) this.rankBuckets[rankBucket(t.rank)]++;
    if (t.truncatedContext) this.truncated++;
  }

  /** Characters and bytes are those of the whole text, so bits/char and bits/byte compare across tokenizers. */
  summary(text: string): Summary {
    const { totalBits, scored } = this;
    const chars = [...text].length;
    const bytes = utf8.encode(text).length;
    const bitsPerToken = scored > 0 ? totalBits / scored : null;
    return {
      tokens: this.tokens,
      scoredTokens: scored,
      totalBits,
      bitsPerToken,
      bitsPerChar: chars > 0 && scored > 0 ? totalBits / chars : null,
      bitsPerByte: bytes > 0 && scored > 0 ? totalBits / bytes : null,
      perplexity: bitsPerToken === null ? null : 2 ** bitsPerToken,
      meanEntropyBits: this.entropyCount > 0 ? this.entropySum / this.entropyCount : null,
      rankBuckets: { ...this.rankBuckets },
      truncatedContextTokens: this.truncated,
    };
  }
}

/** Summary of `tokens` over `text` (see SummarySums). */
export function summarize(tokens: readonly TokenRecord[], text: string): Summary {
  const sums = new SummarySums();
  for (const t of tokens) sums.add(t);
  return sums.summary(text);
}

/** Sum of surprisal over tokens whose start lies in [start, end) of the text (status bar, selections). */
export function bitsInRange(
  tokens: readonly TokenRecord[],
  start: number,
  end: number,
): { bits: number; tokens: number } {
  let bits = 0,
    n = 0;
  for (const t of tokens) {
    if (t.end <= start || t.start >= end || t.special || t.surprisalBits === null) continue;
    bits += t.surprisalBits;
    n++;
  }
  return { bits, tokens: n };
}

export type UnitKind = 'word' | 'line' | 'sentence';

const unitPattern: Record<UnitKind, RegExp> = {
  word: /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]+/gu,
  line: /[^\r\n]*(?:\r\n|\r|\n|$)/g,
  sentence: /[^.!?\n]+(?:[.!?]+|\n|$)/g,
};

/** Unit spans (word, line or sentence) of a text as UTF-16 ranges, empty units dropped. */
export function unitSpans(text: string, unit: UnitKind): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const re = new RegExp(unitPattern[unit].source, unitPattern[unit].flags);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      if (re.lastIndex > text.length) break;
      continue;
    }
    const lead = unit === 'word' ? 0 : m[0].length - m[0].trimStart().length;
    const s = m.index + lead,
      e = m.index + m[0].length;
    if (unit !== 'word' && text.slice(s, e).trim().length === 0) continue;
    out.push({ start: s, end: e });
  }
  return out;
}

/**
 * Aggregates tokens into units by the chain rule: a unit's surprisal is the sum over the tokens
 * assigned to it. A token belongs to the unit containing its first non-space character; tokens
 * of whitespace only belong to the unit before them.
 */
export function aggregateUnits(tokens: readonly TokenRecord[], text: string, unit: UnitKind): UnitAggregate[] {
  const spans = unitSpans(text, unit);
  const out: UnitAggregate[] = spans.map((s) => ({
    start: s.start,
    end: s.end,
    text: text.slice(s.start, s.end),
    tokenStart: -1,
    tokenEnd: -1,
    surprisalBits: 0,
  }));
  if (out.length === 0) return out;
  let u = 0;
  for (const t of tokens) {
    const lead = text.slice(t.start, t.end).search(/\S/);
    const anchor = lead < 0 ? t.start - 1 : t.start + lead;
    while (u + 1 < out.length && out[u + 1].start <= anchor) u++;
    const a = out[u];
    if (a.tokenStart < 0) a.tokenStart = t.index;
    a.tokenEnd = t.index + 1;
    if (!t.special && t.surprisalBits !== null) a.surprisalBits += t.surprisalBits;
  }
  return out;
}
