/**
 * The ONNX engine: a causal LM folder loaded through transformers.js (remote loading off), with an
 * explicit device fallback, exact token spans, and teacher-forced passes that reuse the KV cache.
 * Passes call the ONNX Runtime session directly with explicit fetches, so a pass that needs only the
 * cache or only the fused measures never copies a [seq × vocab] logits array into JavaScript.
 */
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers';
import { analyzeText, type AnalyzeOptions } from '../../core/analyze';
import { SemanticFlowError } from '../../core/errors';
import type { AnalysisResult, Dtype, ModelInfo } from '../../core/result';
import type { ForwardInput, ForwardOutput, KvCache, MeasureRequest, MeasureRows, ScoringModel, TokenizedText } from '../../core/scoringModel';
import { spansFromTokenBytes } from '../../core/spans';
import type { LanguageModel } from '../languageModel';
import { defaultPrecheckEnv, loadWithFallback, type LocalDevice, type PrecheckEnv } from './deviceFallback';
import { defaultCacheDir, fusedModelFolder } from './fusedModelCache';
import { SCORER_INPUTS, SCORER_OUTPUTS } from './fusedScorer';
import { VOCAB_PADDING_ALLOWANCE, contextWindowOf, inspectModelFolder } from './modelFolder';
import { bytesOfId, displayTextOfId, tokenizerInfo, type TokenizerInfo } from './tokenizerInfo';

export interface OnnxLoadOptions {
  /** Absolute or relative path of a model folder (config.json, tokenizer.json, onnx/model*.onnx). */
  modelDir: string;
  /** Display id for results (defaults to the folder name). */
  id?: string;
  device?: LocalDevice;
  dtype?: Dtype;
  /** ONNX Runtime intra-op threads (default: ORT's own choice). */
  threads?: number;
  /** Reduce logits to measures inside the ONNX graph (default true; false = in JavaScript). */
  fuseMeasures?: boolean;
  /** Where the fused copy of the model is cached (default ~/.cache/semantic-flow or $SEMANTIC_FLOW_CACHE). */
  cacheDir?: string;
  /** Refuse larger models before loading (bytes; default half the machine's memory). */
  maxModelBytes?: number;
  precheckEnv?: PrecheckEnv;
  /** Replaces transformers.js's loader (tests inject failing devices). */
  loadSession?: (dir: string, device: string, dtype: Dtype) => Promise<CausalLm>;
  log?: (message: string) => void;
}

/** What ONNX Runtime's InferenceSession offers (onnxruntime-common), as transformers.js exposes it. */
export interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Fetches by name, or an object whose tensors are filled in place (null: allocated by ONNX Runtime). */
  run(feeds: Record<string, unknown>, fetches?: string[] | Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  outputMetadata?: readonly { name: string; type?: string }[];
}
interface OrtTensor {
  type: string;
  dims: readonly number[];
  data: unknown;
  dispose?(): void;
}

/** The part of a transformers.js PreTrainedModel this engine uses. */
export interface CausalLm {
  sessions: Record<string, OrtSession>;
  dispose(): Promise<unknown>;
}

class OnnxKvCache implements KvCache {
  constructor(
    readonly length: number,
    readonly batch: number,
    /** past_key_values.* name → ORT tensor */
    readonly tensors: Record<string, OrtTensor>,
  ) {}
  dispose(): void {
    for (const t of Object.values(this.tensors)) t.dispose?.();
  }
}

const ortInt64 = (rows: number[][]): unknown => {
  const B = rows.length, S = rows[0]?.length ?? 0;
  const data = new BigInt64Array(B * S);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) data[b * S + s] = BigInt(rows[b][s]);
  return new Tensor('int64', data, [B, S]).ort_tensor;
};
const ortScalar1 = (v: number): unknown => new Tensor('int64', BigInt64Array.of(BigInt(v)), [1]).ort_tensor;

/** float32 data of an ORT tensor (fp16 outputs converted through transformers.js). */
function float32Of(t: OrtTensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  return new Tensor(t as never).to('float32').data as Float32Array;
}

function defaultLoadSession(threads?: number) {
  return async (dir: string, device: string, dtype: Dtype): Promise<CausalLm> => {
    const model = await AutoModelForCausalLM.from_pretrained(dir, {
      device: device as never,
      dtype,
      local_files_only: true,
      ...(threads ? { session_options: { intraOpNumThreads: threads } } : {}),
    } as never);
    return model as unknown as CausalLm;
  };
}

function classifyLoadError(e: unknown, dir: string): Error {
  if (e instanceof SemanticFlowError) return e;
  const msg = String(e instanceof Error ? e.message : e);
  if (/protobuf|Load model|INVALID_GRAPH|invalid model|Failed to load model|ONNX format/i.test(msg)) {
    return new SemanticFlowError('model-corrupt', `The ONNX model in ${dir} could not be loaded: it is corrupt or not an ONNX model (${msg.split('\n')[0].slice(0, 200)}).`);
  }
  return e instanceof Error ? e : new Error(msg);
}

export class OnnxModel implements LanguageModel, ScoringModel {
  readonly kind = 'onnx' as const;
  readonly scoring: ScoringModel = this;
  readonly chatTemplate: string | null;
  private readonly pastNames: string[];
  private readonly presentNames: string[];
  private readonly fused: boolean;
  private readonly textCache = new Map<number, string>();

  private constructor(
    readonly info: ModelInfo,
    private readonly lm: CausalLm,
    private readonly session: OrtSession,
    private readonly tokenizer: { encode(text: string, o: { add_special_tokens: boolean }): number[]; apply_chat_template?: unknown },
    private readonly tok: TokenizerInfo,
    chatTemplate: string | null,
  ) {
    this.pastNames = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
    this.presentNames = session.outputNames.filter((n) => n.startsWith('present'));
    this.fused = session.outputNames.includes(SCORER_OUTPUTS.z);
    if (this.fused) this.forwardMeasures = (r, s) => this.runMeasures(r, s);
    this.chatTemplate = chatTemplate;
  }

  static async load(o: OnnxLoadOptions): Promise<OnnxModel> {
    const dtype: Dtype = o.dtype ?? 'fp32';
    const folder = inspectModelFolder(o.modelDir, dtype, { maxModelBytes: o.maxModelBytes });
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    let tokenizer;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(folder.dir, { local_files_only: true });
    } catch (e) {
      throw new SemanticFlowError('model-corrupt', `The tokenizer in ${folder.dir} could not be loaded (${String((e as Error).message).split('\n')[0]}).`);
    }
    const tok = tokenizerInfo(folder.tokenizerJson, tokenizer.get_vocab() as Map<string, number>);
    const vocabSize = folder.outputVocab ?? (typeof folder.config.vocab_size === 'number' ? folder.config.vocab_size : tok.vocab.length);
    if (tok.vocab.length > vocabSize || vocabSize - tok.vocab.length > VOCAB_PADDING_ALLOWANCE) {
      throw new SemanticFlowError(
        'tokenizer-mismatch',
        `The tokenizer in ${folder.dir} has ${tok.vocab.length} tokens but the model predicts ${vocabSize}; the tokenizer does not belong to this model.`,
      );
    }
    const load = o.loadSession ?? defaultLoadSession(o.threads);
    const fusedDir = o.fuseMeasures === false || o.loadSession ? null : fusedModelFolder(folder, vocabSize, o.cacheDir ?? defaultCacheDir(), o.log);
    const outcome = await loadWithFallback(
      o.device ?? 'cpu',
      async (device) => {
        if (fusedDir) {
          try {
            return await load(fusedDir, device, dtype);
          } catch (e) {
            o.log?.(`the fused model did not load on ${device} (${String((e as Error).message).split('\n')[0]}); using the original`);
          }
        }
        try {
          return await load(folder.dir, device, dtype);
        } catch (e) {
          throw classifyLoadError(e, folder.dir);
        }
      },
      o.precheckEnv ?? defaultPrecheckEnv(),
    );
    const lm = outcome.value;
    const session = lm.sessions.model ?? Object.values(lm.sessions)[0];
    const num = (k: string): number | null => {
      const v = folder.config[k] ?? folder.tokenizerConfig[k];
      return typeof v === 'number' ? v : null;
    };
    const info: ModelInfo = {
      id: o.id ?? folder.dir.split(/[\\/]/).filter(Boolean).pop() ?? folder.dir,
      device: outcome.used,
      requestedDevice: outcome.requested,
      dtype,
      fallbackReason: outcome.reason,
      vocabSize,
      contextWindow: contextWindowOf(folder.config),
      bosTokenId: num('bos_token_id'),
      eosTokenId: num('eos_token_id'),
      kvCache: session.inputNames.some((n) => n.startsWith('past_key_values.')),
      measureKernel: session.outputNames.includes(SCORER_OUTPUTS.z) ? 'onnx' : 'js',
    };
    const chatTemplate = typeof folder.tokenizerConfig.chat_template === 'string' ? folder.tokenizerConfig.chat_template : null;
    return new OnnxModel(info, lm, session, tokenizer as never, tok, chatTemplate);
  }

  analyze(text: string, options?: AnalyzeOptions): Promise<AnalysisResult> {
    return analyzeText(text, this, options);
  }

  tokenize(text: string): TokenizedText {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false });
    const spans = spansFromTokenBytes(text, ids.map((id) => bytesOfId(this.tok, id)), { prependedSpace: this.tok.prependedSpace });
    return { ids, spans, special: ids.map((id) => this.tok.specialIds.has(id)) };
  }

  tokenText(id: number): string {
    let s = this.textCache.get(id);
    if (s === undefined) {
      s = displayTextOfId(this.tok, id);
      this.textCache.set(id, s);
    }
    return s;
  }

  applyChatTemplate(messages: { role: string; content: string }[], options: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.chatTemplate || typeof this.tokenizer.apply_chat_template !== 'function') {
      throw new SemanticFlowError('unsupported-model', `The model ${this.info.id} has no chat template in tokenizer_config.json.`);
    }
    return (this.tokenizer.apply_chat_template as (m: unknown, o: unknown) => string)(messages, {
      tokenize: false,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  }

  /** Feeds for a pass; the scorer inputs get empty values unless `measures` is given. */
  private feeds(input: ForwardInput, measures?: MeasureRequest): { feeds: Record<string, unknown>; P: number; S: number; B: number } {
    const B = input.inputIds.length, S = input.inputIds[0].length;
    const past = input.past as OnnxKvCache | null | undefined;
    const P = past?.length ?? 0;
    if (past && this.pastNames.length === 0) {
      throw new SemanticFlowError('unsupported-model', `The model ${this.info.id} was exported without past_key_values, so it cannot reuse a KV cache.`);
    }
    if (past && past.batch !== B) throw new Error(`KV cache batch ${past.batch} does not match input batch ${B}.`);
    const feeds: Record<string, unknown> = {
      input_ids: ortInt64(input.inputIds),
      attention_mask: ortInt64(input.attentionMask ?? input.inputIds.map(() => new Array(P + S).fill(1))),
    };
    if (this.session.inputNames.includes('position_ids')) {
      feeds.position_ids = ortInt64(input.positionIds ?? input.inputIds.map(() => Array.from({ length: S }, (_, i) => P + i)));
    }
    if (this.pastNames.length > 0) {
      if (past) Object.assign(feeds, past.tensors);
      else for (const n of this.pastNames) feeds[n] = this.emptyPast(n, B);
    }
    if (this.fused) {
      // Without a measure request the scorer still runs (ONNX Runtime does not prune it), so it gets
      // the cheapest valid work: the last row only. Never an empty slice: some kernels fault on it.
      const m = measures ?? { firstRow: S - 1, targets: input.inputIds.map(() => [0]), topK: 1 };
      if (m.firstRow >= S || m.targets[0].length !== S - m.firstRow) throw new Error('forwardMeasures: firstRow/targets do not match the input');
      feeds[SCORER_INPUTS.firstRow] = ortScalar1(m.firstRow);
      feeds[SCORER_INPUTS.targets] = ortInt64(m.targets);
      feeds[SCORER_INPUTS.k] = ortScalar1(Math.min(Math.max(1, m.topK), this.info.vocabSize));
    }
    return { feeds, P, S, B };
  }

  private readonly pastShape = new Map<string, number[]>();
  private emptyPast(name: string, batch: number): unknown {
    let dims = this.pastShape.get(name);
    if (!dims) {
      const meta = (this.session as unknown as { inputMetadata?: { name: string; shape: (number | string)[] }[] }).inputMetadata?.find((m) => m.name === name);
      dims = (meta?.shape ?? []).map((d) => (typeof d === 'number' ? d : 0));
      this.pastShape.set(name, dims);
    }
    const shape = [batch, ...dims.slice(1)];
    const type = (this.session as unknown as { inputMetadata?: { name: string; type: string }[] }).inputMetadata?.find((m) => m.name === name)?.type ?? 'float32';
    return new Tensor(type as never, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), shape).ort_tensor;
  }

  private cacheFrom(out: Record<string, OrtTensor>, keep: boolean | undefined, length: number, batch: number): OnnxKvCache | null {
    if (keep && this.presentNames.length > 0) {
      return new OnnxKvCache(length, batch, Object.fromEntries(this.presentNames.map((n) => [n.replace('present', 'past_key_values'), out[n]])));
    }
    for (const n of this.presentNames) out[n]?.dispose?.();
    return null;
  }

  async forward(input: ForwardInput, signal?: AbortSignal): Promise<ForwardOutput> {
    if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
    const { feeds, P, S, B } = this.feeds(input);
    const wantLogits = input.wantLogits !== false;
    const presents = input.keepCache ? this.presentNames : [];
    const into = wantLogits ? input.logitsInto : undefined;
    if (into && into.length !== B * S * this.info.vocabSize) throw new Error(`forward: logitsInto holds ${into.length} floats, the pass gives ${B * S * this.info.vocabSize}`);
    if (into && this.logitsAreFloat32()) {
      // ONNX Runtime writes the logits straight into the caller's buffer (no [seq × vocab] copy).
      const fetches: Record<string, unknown> = { logits: new Tensor('float32', into, [B, S, this.info.vocabSize]).ort_tensor };
      for (const n of presents) fetches[n] = null;
      const out = await this.session.run(feeds, fetches);
      return { logits: into, batch: B, seq: S, vocab: this.info.vocabSize, cache: this.cacheFrom(out, input.keepCache, P + S, B) };
    }
    const fetches = [...(wantLogits ? ['logits'] : []), ...presents];
    const out = await this.session.run(feeds, fetches.length ? fetches : ['logits']);
    let logits = out.logits ? float32Of(out.logits) : new Float32Array(0);
    const V = out.logits ? out.logits.dims[2] : this.info.vocabSize;
    if (!wantLogits) out.logits?.dispose?.();
    if (into) logits = (into.set(logits), into);
    return { logits: wantLogits ? logits : new Float32Array(0), batch: B, seq: S, vocab: V, cache: this.cacheFrom(out, input.keepCache, P + S, B) };
  }

  private float32Logits?: boolean;
  private logitsAreFloat32(): boolean {
    this.float32Logits ??= this.session.outputMetadata?.find((m) => m.name === 'logits')?.type === 'float32';
    return this.float32Logits;
  }

  /** Present only when the model was fused (core checks for it). */
  readonly forwardMeasures?: (request: MeasureRequest, signal?: AbortSignal) => Promise<MeasureRows>;

  private async runMeasures(request: MeasureRequest, signal?: AbortSignal): Promise<MeasureRows> {
    if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
    const { feeds, P, S, B } = this.feeds(request, request);
    const O = SCORER_OUTPUTS;
    const fetches = [O.z, O.s1, O.s2, O.targetD, O.rank, O.topkD, O.topkIds, ...(request.keepCache ? this.presentNames : [])];
    const out = await this.session.run(feeds, fetches);
    const z = out[O.z].data as Float32Array, s1 = out[O.s1].data as Float32Array, s2 = out[O.s2].data as Float32Array;
    const targetD = out[O.targetD].data as Float32Array, topkD = out[O.topkD].data as Float32Array;
    const n = z.length, k = out[O.topkD].dims[2];
    const targetLogProb = new Float32Array(n), negEntropy = new Float32Array(n), secondMoment = new Float32Array(n);
    const topkLogProb = new Float32Array(topkD.length);
    for (let i = 0; i < n; i++) {
      // float64 from here on: ln p = d − ln z
      const lz = Math.log(z[i]), m1 = s1[i] / z[i];
      targetLogProb[i] = targetD[i] - lz;
      negEntropy[i] = m1 - lz;
      secondMoment[i] = s2[i] / z[i] - 2 * lz * m1 + lz * lz;
      for (let j = 0; j < k; j++) topkLogProb[i * k + j] = topkD[i * k + j] - lz;
    }
    return {
      batch: B,
      rows: S - request.firstRow,
      k,
      targetLogProb,
      negEntropy,
      secondMoment,
      greaterCount: out[O.rank].data as Float32Array,
      topkLogProb,
      topkIds: out[O.topkIds].data as BigInt64Array,
      cache: this.cacheFrom(out, request.keepCache, P + S, B),
    };
  }

  tileCache(cache: KvCache, batch: number): KvCache {
    const c = cache as OnnxKvCache;
    if (c.batch !== 1) throw new Error('tileCache expects a batch-1 cache');
    const tensors: Record<string, OrtTensor> = {};
    for (const [k, t] of Object.entries(c.tensors)) {
      const src = t.data as Float32Array | Uint16Array;
      const data = new (src.constructor as Float32ArrayConstructor)(src.length * batch);
      for (let b = 0; b < batch; b++) data.set(src as Float32Array, b * src.length);
      tensors[k] = new Tensor(t.type as never, data, [batch, ...t.dims.slice(1)]).ort_tensor as OrtTensor;
    }
    return new OnnxKvCache(c.length, batch, tensors);
  }

  /** past_key_values are [batch, heads, length, head_dim]: copy the first `length` rows of axis 2. */
  sliceCache(cache: KvCache, length: number): KvCache {
    const c = cache as OnnxKvCache;
    if (length < 0 || length > c.length) throw new Error(`sliceCache: ${length} positions of a ${c.length}-position cache`);
    const tensors: Record<string, OrtTensor> = {};
    for (const [k, t] of Object.entries(c.tensors)) {
      const [B, H, S, D] = t.dims;
      if (S !== c.length) throw new Error(`sliceCache: ${k} has ${S} positions on axis 2, expected ${c.length}`);
      const src = t.data as Float32Array;
      const data = new (src.constructor as Float32ArrayConstructor)(B * H * length * D);
      for (let bh = 0; bh < B * H; bh++) data.set(src.subarray(bh * S * D, bh * S * D + length * D), bh * length * D);
      tensors[k] = new Tensor(t.type as never, data, [B, H, length, D]).ort_tensor as OrtTensor;
    }
    return new OnnxKvCache(length, c.batch, tensors);
  }

  async dispose(): Promise<void> {
    await this.lm.dispose();
  }
}
