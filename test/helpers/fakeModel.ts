/**
 * A hand-built ScoringModel for core tests: characters are tokens (id = char code − 97 for 'a'..'h'),
 * and the logits at each position are a fixed function of the visible context, so every measure can
 * be computed by hand. Supports KV caches, batches, attention masks and position ids like a real model.
 */
import type { ForwardInput, ForwardOutput, KvCache, ScoringModel, TokenizedText } from '../../src/core/scoringModel';
import type { ModelInfo } from '../../src/core/result';

export const FAKE_VOCAB = 8;

class FakeCache implements KvCache {
  disposed = false;
  constructor(
    readonly length: number,
    readonly batch: number,
    readonly rows: { id: number; visible: boolean; pos: number }[][],
  ) {}
  dispose(): void {
    this.disposed = true;
  }
}

/** A context as the logits function sees it: every position so far, the last one being predicted from. */
export type FakeContext = { id: number; visible: boolean; pos: number }[];

/** logits(v) for a context: favours (last visible id + 1) mod V, plus a small bias from the count of visible tokens. */
export function fakeLogits(context: FakeContext): Float32Array {
  const out = new Float32Array(FAKE_VOCAB);
  const vis = context.filter((c) => c.visible);
  const last = vis.length ? vis[vis.length - 1].id : 0;
  for (let v = 0; v < FAKE_VOCAB; v++)
    out[v] =
      (v === (last + 1) % FAKE_VOCAB ? 3 : 0) +
      0.25 * ((vis.length * (v + 1)) % 3) +
      (vis.some((c) => c.id === v) ? 0.5 : 0);
  return out;
}

export class FakeModel implements ScoringModel {
  forwardCalls = 0;
  tokenSteps = 0;
  openCaches = new Set<FakeCache>();
  constructor(
    readonly info: ModelInfo = fakeInfo(),
    /** Logits at a position from its context (info.vocabSize of them); other hand-built models bring their own. */
    private readonly logitsOf: (context: FakeContext) => Float32Array = fakeLogits,
  ) {}
  tokenize(text: string): TokenizedText {
    const ids = [...text].map((c) => (c.charCodeAt(0) - 97 + FAKE_VOCAB * 4) % FAKE_VOCAB);
    return { ids, spans: ids.map((_, i) => ({ start: i, end: i + 1 })), special: ids.map(() => false) };
  }
  tokenText(id: number): string {
    return String.fromCharCode(97 + id);
  }
  async forward(input: ForwardInput): Promise<ForwardOutput> {
    this.forwardCalls++;
    const B = input.inputIds.length,
      S = input.inputIds[0].length;
    const past = input.past as FakeCache | null | undefined;
    const P = past?.length ?? 0;
    const V = this.info.vocabSize;
    const logits = new Float32Array(B * S * V);
    const rows: FakeCache['rows'] = [];
    for (let b = 0; b < B; b++) {
      const ctx = past ? [...past.rows[b]] : [];
      for (let s = 0; s < S; s++) {
        const mask = input.attentionMask?.[b][P + s] ?? 1;
        const pos = input.positionIds?.[b][s] ?? P + s;
        ctx.push({ id: input.inputIds[b][s], visible: mask === 1, pos });
        logits.set(this.logitsOf(ctx), (b * S + s) * V);
        this.tokenSteps++;
      }
      rows.push(ctx);
    }
    let cache: FakeCache | null = null;
    if (input.keepCache) {
      cache = new FakeCache(P + S, B, rows);
      this.openCaches.add(cache);
    }
    return { logits, batch: B, seq: S, vocab: V, cache };
  }
  async tileCache(cache: KvCache, batch: number): Promise<KvCache> {
    const c = cache as FakeCache;
    const t = new FakeCache(
      c.length,
      batch,
      Array.from({ length: batch }, () => c.rows[0]),
    );
    this.openCaches.add(t);
    return t;
  }
  /** Caches created and not yet disposed. */
  leakedCaches(): number {
    return [...this.openCaches].filter((c) => !c.disposed).length;
  }
}

export function fakeInfo(over: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: 'fake',
    device: 'cpu',
    requestedDevice: 'cpu',
    dtype: 'fp32',
    fallbackReason: null,
    vocabSize: FAKE_VOCAB,
    contextWindow: null,
    bosTokenId: 7,
    eosTokenId: 7,
    kvCache: true,
    ...over,
  };
}

/** log2 softmax of a row, computed the plain way (reference for tests). */
export function log2Softmax(row: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(row));
  const z = Array.from(row).reduce((a, l) => a + Math.exp(l - m), 0);
  return Array.from(row, (l) => (l - m - Math.log(z)) / Math.LN2);
}
