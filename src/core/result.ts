/**
 * The one result object every view reads (decorations, hover, panel, CLI, export). Versioned;
 * field names are fixed by the issues, more may be added. `null` marks a measure that does not
 * exist (the first token without BOS), never a made-up value.
 */
export const SCHEMA_VERSION = 1;

export type Device = 'auto' | 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml' | 'remote';
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4';

export interface ModelInfo {
  /** Folder, Hub id or endpoint model name. */
  id: string;
  /** Device actually used. */
  device: Device;
  requestedDevice: Device;
  dtype: Dtype | string;
  /** Why the requested device was not used (null when it was). */
  fallbackReason: string | null;
  vocabSize: number;
  /** Context window in tokens (n_positions / max_position_embeddings), or null when unbounded/unknown. */
  contextWindow: number | null;
  bosTokenId: number | null;
  /** The end-of-sequence id (the first of eosTokenIds when the model has several). */
  eosTokenId: number | null;
  /** Every id that ends a generation, when config.json lists several (Llama 3 Instruct: end_of_text, eom, eot). */
  eosTokenIds?: number[];
  /** True when entropy is only known as bounds (remote top-k engines). */
  entropyBounded?: boolean;
  /** False when the export has no past_key_values (no chunking by KV cache). */
  kvCache?: boolean;
  /** Where logits are reduced to measures: inside the ONNX graph, or in JavaScript. */
  measureKernel?: 'onnx' | 'js';
}

export interface TopKAlternative {
  id: number;
  text: string;
  probability: number;
  bits: number;
}

export interface TokenRecord {
  index: number;
  id: number;
  /** The token's text: the source substring for tokens in the text, the token's content otherwise. */
  text: string;
  /** UTF-16 offsets into `AnalysisResult.text`. */
  start: number;
  end: number;
  surprisalBits: number | null;
  probability: number | null;
  entropyBits: number | null;
  /** bits² */
  varentropyBits2: number | null;
  surpriseExcessBits: number | null;
  rank: number | null;
  topK: TopKAlternative[] | null;
  /** Scored with a sliding window that no longer sees the start of the text. */
  truncatedContext?: boolean;
  /** Special/template token: shown, excluded from aggregates. */
  special?: boolean;
  /** Remote engines: entropy known only between these bounds. */
  entropyBoundsBits?: { lower: number; upper: number };
}

export interface RankBuckets {
  '1': number;
  '2-10': number;
  '11-100': number;
  '101-1000': number;
  '>1000': number;
}

export interface Summary {
  tokens: number;
  /** Tokens that carry a prediction (excludes the first without BOS and special tokens). */
  scoredTokens: number;
  totalBits: number;
  bitsPerToken: number | null;
  bitsPerChar: number | null;
  bitsPerByte: number | null;
  perplexity: number | null;
  meanEntropyBits: number | null;
  rankBuckets: RankBuckets;
  truncatedContextTokens: number;
}

export interface UnitAggregate {
  start: number;
  end: number;
  text: string;
  tokenStart: number;
  tokenEnd: number;
  surprisalBits: number;
}

export interface DiTokenRecord {
  index: number;
  id: number;
  text: string;
  start: number;
  end: number;
  iotaBits: number;
  klBits: number;
  compensatorBits: number;
  residualBits: number;
  z: number | null;
  surprisalBits?: number;
  baselineSurprisalBits?: number;
  entropyBits?: number;
  /** Var of log2 p − log2 p~ under the prompted distribution, bits². */
  logRatioVarBits2?: number;
  truncatedContext?: boolean;
  /** Special/template token: shown, excluded from the cumulative sums. */
  special?: boolean;
}

export interface DirectedInformation {
  baseline: 'bos' | 'neutral' | 'text';
  baselineText?: string;
  promptText: string;
  promptTokenIds: number[];
  baselineTokenIds: number[];
  /** UTF-16 range of the response inside `AnalysisResult.text`. */
  responseStart: number;
  responseEnd: number;
  tokens: DiTokenRecord[];
  totalBits: number;
  totalKlBits: number;
  /** M at the last token: totalBits − totalKlBits. */
  totalResidualBits?: number;
  /** z at the last token (null when the variance sum is 0). */
  finalZ?: number | null;
  /** Index in `AnalysisResult.tokens` of the first response token. */
  responseTokenStart?: number;
  /** The first response token begins before `responseStart` (BPE merged across the cut). */
  cutInsideToken?: boolean;
  /** Surprisal of the response (scored tokens) under the prompted and the baseline pass; their difference is totalBits. */
  promptedResponseBits?: number;
  baselineResponseBits?: number;
  /** Whether BOS was prepended to both passes. */
  bos?: boolean;
  input?: 'texts' | 'ranges' | 'chat';
  /**
   * input 'chat': the messages and the model's chat template (tokenizer_config.json, jinja) that made
   * `AnalysisResult.text`. The prompt is the templated text before the last (assistant) message's
   * content, the response that content, as the model sees them.
   */
  chat?: { template: string; messages: { role: string; content: string }[] };
}

export interface FlowResult {
  unit: 'token' | 'word' | 'line' | 'sentence' | 'span';
  method: 'attention-mask' | 'replace' | 'delete';
  sources: { start: number; end: number; text: string; tokenStart?: number; tokenEnd?: number }[];
  targets: number[];
  /** rows = sources, columns = targets */
  phiBits: number[][];
  expectedBits: number[][];
  complete?: boolean;
  /**
   * Passes and token-steps spent, as the plan announced them: the clean pass counts one, each batch of
   * occluded passes one (a pass may be fed in several forward calls to bound memory).
   */
  passes?: number;
  tokenSteps?: number;
  /** Occluded passes started from the clean KV cache of the unchanged prefix. */
  kvReuse?: boolean;
  /**
   * What compared the occluded rows with the clean ones: WebAssembly relaxed SIMD or SIMD, or the float64
   * loop (klKernel.ts), or the model's own device (`device`: a GPU, flowComparers.ts).
   */
  comparisons?: 'wasm-relaxed-simd' | 'wasm-simd' | 'js' | 'device';
  /** Token put in place of the unit by the `replace` method. */
  neutralTokenId?: number;
}

export interface GenerationResult {
  prompt: string;
  tokens: (DiTokenRecord & { surprisalBits: number; entropyBits: number })[];
  samples: number;
  expectedFlowBits: number[];
  expectedFlowStdBits?: number[];
  stopReason?: 'eos' | 'max-tokens' | 'cancelled' | 'context-window';
  seed?: number;
  temperature?: number;
  greedy?: boolean;
  baseline?: 'bos' | 'neutral' | 'text';
  baselineText?: string;
  /** Mean over samples of Σ_{k≤t} iota_k, and its spread (Monte Carlo). */
  expectedIotaBits?: number[];
  expectedIotaStdBits?: number[];
  /** Every sample (Monte Carlo), per generated token; a finished sample keeps its last sums. */
  sampleDetails?: GenerationSample[];
}

export interface GenerationSample {
  text: string;
  tokenIds: number[];
  iotaBits: number[];
  klBits: number[];
  stopReason: 'eos' | 'max-tokens' | 'context-window' | 'cancelled';
}

export interface ComparisonResult {
  modelB: ModelInfo;
  tokens: { index: number; klBits: number | null; deltaBits: number | null; surprisalBitsB?: number | null }[];
  totalKlBits: number;
  totalDeltaBits?: number;
}

/** One token with a large KL between the fp32 model and a variant (rate–distortion). */
export interface RdWorstToken {
  /** Index into RateDistortionResult.texts. */
  text: number;
  /** Token index within that text (for text 0, also the index into AnalysisResult.tokens). */
  index: number;
  /** UTF-16 offsets into that text. */
  start: number;
  end: number;
  token: string;
  klBits: number;
  /** log2 p_fp32 − log2 p_variant of the token. */
  deltaBits: number;
}

/** One variant of the model: its rate (storage) and its distortion against fp32 (measures.md, "Rate–distortion"). */
export interface RateDistortionPoint {
  /** fp32, fp16, q8, q4, or the file's suffix. */
  variant: string;
  /** Relative to the model folder, e.g. onnx/model_quantized.onnx. */
  file: string;
  /** The file and its external data. */
  bytes: number;
  /** 8 · bytes / parameters. */
  bitsPerWeight: number;
  /** Scored tokens over all texts. */
  tokens: number;
  /** Mean KL(p_fp32 || p_variant) per token, and its bootstrap interval. */
  meanKlBits: number;
  klInterval: [number, number];
  /** Σ (s_variant − s_fp32) / Σ token bytes, and its bootstrap interval. */
  deltaBitsPerByte: number;
  deltaInterval: [number, number];
  /** The tokens with the largest KL, largest first. */
  worst: RdWorstToken[];
  /** Where the variant ran. */
  device?: Device;
}

export interface RateDistortionResult {
  /** The reference file (onnx/model.onnx). */
  reference: string;
  /** Elements of the fp32 graph's floating-point initializers of rank ≥ 1. */
  parameters: number;
  texts: { name: string; bytes: number; tokens: number }[];
  bootstrap: { resamples: number; seed: number; level: number };
  /** Ascending by bytes (rate). */
  points: RateDistortionPoint[];
}

/** A message of a dialogue transcript and what its turn received from the other side. */
export interface DialogueTurn {
  /** Position in the transcript. */
  message: number;
  role: 'user' | 'assistant' | 'system';
  /** UTF-16 range of the content in AnalysisResult.text (the templated transcript). */
  start: number;
  end: number;
  /** [tokenStart, tokenEnd) in AnalysisResult.tokens. */
  tokenStart: number;
  tokenEnd: number;
  /** Surprisal of the turn's scored tokens with every turn present (J) and in its baseline pass. */
  bits: number;
  baselineBits: number;
  /** Σ iota over the turn: what the other side's earlier turns told this one (0 for system turns). */
  iotaBits: number;
  klBits: number;
  /** Σ iota of this turn's direction up to and including this turn. */
  cumulativeBits: number;
  /** The direction's compensator A (Σ KL) up to and including this turn; M = cumulativeBits − this. */
  cumulativeKlBits: number;
}

export interface DialogueTokenRecord extends DiTokenRecord {
  /** Index into DialogueResult.turns. */
  turn: number;
  direction: 'user-to-assistant' | 'assistant-to-user';
}

/** One direction's sums (measures.md, "Directed information in a dialogue"). */
export interface DialogueDirection {
  /** Σ iota: I(X → Y) for user-to-assistant, I(0Y → X) for assistant-to-user. */
  totalBits: number;
  /** Σ KL (compensator A) and Σ iota − A (residual M), and the final z. */
  totalKlBits: number;
  totalResidualBits: number;
  finalZ: number | null;
  /** Surprisal of this direction's receiving tokens in J and in the baseline pass. */
  jointBits: number;
  baselineBits: number;
}

export interface DialogueConservation {
  /** î(X;Y) = L_X + L_Y − L_J from the three passes' totals. */
  mutualInformationBits: number;
  /** I(X → Y) + I(0Y → X), summed from the per-token iota. */
  directedSumBits: number;
  /** mutualInformationBits − directedSumBits. */
  gapBits: number;
  /** True when the totals are code lengths of three sequences (no sliding window, every content token predicted). */
  exact: boolean;
  /** Why the identity is exact, or why not. */
  note: string;
  /** Bits of template tokens (role headers, end-of-turn markers, system turns) in J: neither side's. */
  templateBits: number;
}

export interface DialogueResult {
  baseline: 'neutral' | 'text';
  baselineText?: string;
  turns: DialogueTurn[];
  /** Every content token of the user and the assistant, in transcript order. */
  tokens: DialogueTokenRecord[];
  userToAssistant: DialogueDirection;
  assistantToUser: DialogueDirection;
  conservation: DialogueConservation;
  /** Whether BOS was prepended to the passes (chat templates usually open with it already). */
  bos: boolean;
}

/**
 * Two models with different tokenizers on one text: each scored it with its own tokens (the result's
 * tokens are model A's), compared in bits per byte, overall and per line.
 */
export interface CrossComparison {
  modelB: ModelInfo;
  /** Scored tokens of each model. */
  tokensA: number;
  tokensB: number;
  /** Σ surprisal over the text: −log2 p(text) under each model. */
  totalBitsA: number;
  totalBitsB: number;
  bitsPerByteA: number | null;
  bitsPerByteB: number | null;
  /** Bits each model spent on each line (a token counts for the line of its first non-space character). */
  lines: { start: number; end: number; bytes: number; bitsA: number; bitsB: number }[];
}

export interface AnalysisResult {
  schemaVersion: typeof SCHEMA_VERSION;
  model: ModelInfo;
  text: string;
  /** Where the text came from, for staleness checks in the editor. */
  source?: { uri: string; version: number; offset: number };
  tokens: TokenRecord[];
  summary: Summary;
  /** reusedPrefixTokens: tokens whose measures came from the previous analysis of the same document (live mode). */
  options?: { topK: number; bos: boolean; chunkSize: number; stride?: number; reusedPrefixTokens?: number };
  words?: UnitAggregate[];
  lines?: UnitAggregate[];
  di?: DirectedInformation;
  flow?: FlowResult;
  generation?: GenerationResult;
  comparison?: ComparisonResult;
  crossComparison?: CrossComparison;
  rateDistortion?: RateDistortionResult;
  dialogue?: DialogueResult;
  createdAt?: string;
}

/** JSON.stringify replacer: NaN and ±Infinity never reach the file (they become null). */
export const finiteNumbers = (_k: string, v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) ? null : v;

/** JSON text of a result (see finiteNumbers). */
export function resultToJson(result: AnalysisResult, indent?: number): string {
  return JSON.stringify(result, finiteNumbers, indent);
}
