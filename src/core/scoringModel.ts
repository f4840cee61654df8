/**
 * The minimal model interface core needs: tokenize with exact spans, and teacher-forced forward passes
 * that return full-vocabulary logits and an optional KV cache. Engines (ONNX, remote) implement it;
 * core tests use hand-built models whose measures can be computed by hand.
 */
import type { ModelInfo } from './result';
import type { TokenSpan } from './spans';

export interface TokenizedText {
  ids: number[];
  /** UTF-16 spans into the tokenized text, one per id. */
  spans: TokenSpan[];
  /** True for special/template tokens (zero-width or control tokens). */
  special: boolean[];
}

/** Opaque key/value cache of a causal LM; `length` positions, `batch` rows. */
export interface KvCache {
  readonly length: number;
  readonly batch: number;
  dispose(): void;
}

export interface ForwardInput {
  /** [batch][sequence] token ids; every row has the same length. */
  inputIds: number[][];
  /** Cache covering positions [0, past.length); null for a fresh pass. */
  past?: KvCache | null;
  /** [batch][past + sequence]; 1 = visible, 0 = masked. Default: all ones. */
  attentionMask?: number[][];
  /** [batch][sequence]; default past.length, past.length + 1, … */
  positionIds?: number[][];
  /** Return the cache extended by this pass (the caller disposes it). */
  keepCache?: boolean;
}

export interface ForwardOutput {
  /** float32 logits, row-major [batch, seq, vocab]. */
  logits: Float32Array;
  batch: number;
  seq: number;
  vocab: number;
  cache: KvCache | null;
}

export interface ScoringModel {
  readonly info: ModelInfo;
  tokenize(text: string): TokenizedText;
  /** Display text of one vocabulary id (decoded; may be a replacement character for partial bytes). */
  tokenText(id: number): string;
  forward(input: ForwardInput, signal?: AbortSignal): Promise<ForwardOutput>;
  /** Repeats a batch-1 cache `batch` times (for batched passes that share a prefix). */
  tileCache?(cache: KvCache, batch: number): KvCache;
}

/** A logits row of a forward output, as a view (no copy). */
export function logitsRow(out: ForwardOutput, b: number, s: number): Float32Array {
  const off = (b * out.seq + s) * out.vocab;
  return out.logits.subarray(off, off + out.vocab);
}
