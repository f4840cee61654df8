/**
 * The minimal model interface core needs: tokenize with exact spans, and teacher-forced forward passes
 * that return full-vocabulary logits and an optional KV cache. Engines (ONNX, remote) implement it;
 * core tests use hand-built models whose measures can be computed by hand.
 */
import type { ModelInfo } from './result';
import type { TokenSpan } from './spans';

import type { PackedTokens } from './packedTokens';

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
  /** False when only the cache is wanted (context-only chunks): `logits` comes back empty. */
  wantLogits?: boolean;
  /** Where the logits go: exactly batch × seq × vocab floats, returned as `logits` (engines may write in place). */
  logitsInto?: Float32Array;
  /** Keep the logits where the engine computed them, for compareHeld (engines that have it). */
  holdLogits?: boolean;
}

/** Logits a pass left on the engine's device (a GPU), [batch, seq, vocab]; the caller disposes them. */
export interface HeldLogits {
  readonly batch: number;
  readonly seq: number;
  dispose(): void;
}

/** One comparison of two held rows (row index b·seq + s): p the reference, q the other, at `target`. */
export interface HeldPair {
  p: HeldLogits;
  pRow: number;
  q: HeldLogits;
  qRow: number;
  target: number;
}

export interface ForwardOutput {
  /** float32 logits, row-major [batch, seq, vocab]. */
  logits: Float32Array;
  batch: number;
  seq: number;
  vocab: number;
  cache: KvCache | null;
  /** With holdLogits on an engine that holds them. */
  held?: HeldLogits;
}

/** A forward pass whose logits are reduced to measures inside the engine (see engines/onnx/fusedScorer.ts). */
export interface MeasureRequest extends ForwardInput {
  /** Rows before this sequence index are not reduced. */
  firstRow: number;
  /** [batch][seq − firstRow]: the id each reduced row is scored against (any id for rows without a target). */
  targets: number[][];
  topK: number;
}

/** Per reduced row, in natural log units; row r of batch b is at index b·rows + r. */
export interface MeasureRows {
  batch: number;
  rows: number;
  k: number;
  targetLogProb: Float32Array;
  /** Σ p ln p (= −H in nats). */
  negEntropy: Float32Array;
  /** Σ p (ln p)². */
  secondMoment: Float32Array;
  /** #{v : logit_v > logit_target}. */
  greaterCount: Float32Array;
  /** [batch·rows·k] ln p of the top-k, most probable first, and their ids. */
  topkLogProb: Float32Array;
  topkIds: ArrayLike<number | bigint>;
  cache: KvCache | null;
  held?: HeldLogits;
}

export interface ScoringModel {
  readonly info: ModelInfo;
  tokenize(text: string): TokenizedText;
  /** tokenize's tokens after `prefix`, packed as they are made (a streamed analysis of a long text). */
  tokenizePacked?(text: string, prefix: number[]): PackedTokens;
  /** Display text of one vocabulary id (decoded; may be a replacement character for partial bytes). */
  tokenText(id: number): string;
  /** The bytes of one vocabulary id, where the engine knows them (alternatives that are part of a character show them). */
  tokenBytes?(id: number): Uint8Array;
  forward(input: ForwardInput, signal?: AbortSignal): Promise<ForwardOutput>;
  /** Reduces logits to measures inside the engine (faster; optional). */
  forwardMeasures?(request: MeasureRequest, signal?: AbortSignal): Promise<MeasureRows>;
  /** Repeats a batch-1 cache `batch` times (for batched passes that share a prefix). Async: a GPU engine works on the device. */
  tileCache?(cache: KvCache, batch: number): Promise<KvCache>;
  /** A new cache holding the first `length` positions of `cache` (occluded passes reuse a clean prefix). */
  sliceCache?(cache: KvCache, length: number): Promise<KvCache>;
  /**
   * log2 p(target) − log2 q(target) and KL(p‖q) in bits for each pair of held rows, computed where they
   * are (a GPU engine: only a few floats per pair come back). Engines without a device leave it out.
   */
  compareHeld?(pairs: HeldPair[], signal?: AbortSignal): Promise<{ logRatioBits: number; klBits: number }[]>;
}

/** A logits row of a forward output, as a view (no copy). */
export function logitsRow(out: ForwardOutput, b: number, s: number): Float32Array {
  const off = (b * out.seq + s) * out.vocab;
  return out.logits.subarray(off, off + out.vocab);
}
