/**
 * The ONNX engine: a causal LM folder opened by onnxLoad.ts, exact token spans, and teacher-forced
 * passes that reuse the KV cache. Passes name their fetches, so a pass that needs only the cache or
 * only the fused measures never copies a [seq × vocab] logits array into JavaScript (nor, on a GPU,
 * out of GPU memory).
 */
import { analyzeText, type AnalyzeOptions } from '../../core/analyze';
import { SemanticFlowError } from '../../core/errors';
import type { AnalysisResult, ModelInfo, TokenRecord } from '../../core/result';
import type {
  ForwardInput,
  ForwardOutput,
  HeldLogits,
  HeldPair,
  KvCache,
  MeasureRequest,
  MeasureRows,
  ScoringModel,
  TokenizedText,
} from '../../core/scoringModel';
import type { LanguageModel } from '../languageModel';
import { SCORER_INPUTS, SCORER_OUTPUTS, finishScorerRows } from './fusedScorer';
import { HEAD_INPUT } from './scorerHead';
import { DEVICE_NAME, deviceErrorSummary } from './deviceFallback';
import { DeviceFailure, redoOnCpu } from './deviceFailure';
import { DeviceLogits, DeviceOps } from './deviceOps';
import { type OnnxKvCache, cacheFromPresents, checkSlice, sliceCacheOnCpu, tileCacheOnCpu } from './onnxKvCache';
import { openOnnxModel, type OnnxLoadOptions, type OpenedModel } from './onnxLoad';
import { pairResult } from './pairGraph';
import {
  emptyInput,
  float32Of,
  int64Rows,
  int64Vector,
  tensorOf,
  type DeviceTensorLedger,
  type OrtSession,
  type OrtTensor,
} from './ortSession';
import type { ChatMessage, TextTokenizer } from './textTokenizer';
import { bytesOfId, displayTextOfId, type TokenizerInfo } from './tokenizerInfo';
import { tokenizeInPieces, tokenizePackedInPieces } from './pieceTokenizer';
import type { PackedTokens } from '../../core/packedTokens';

export type { OnnxLoadOptions } from './onnxLoad';

const MEASURE_FETCHES = Object.values(SCORER_OUTPUTS);

export class OnnxModel implements LanguageModel, ScoringModel {
  readonly kind = 'onnx' as const;
  readonly scoring: ScoringModel = this;
  readonly chatTemplate: string | null;
  /** Most bytes of text one token stands for: a text of B bytes has at least ⌈B / this⌉ tokens (Infinity: no such bound). */
  readonly textBytesPerToken: number;
  /** GPU tensors the passes returned and not yet released (tests check it returns to 0). */
  readonly deviceTensors: DeviceTensorLedger;
  private modelInfo: ModelInfo;
  private session!: OrtSession;
  /** Graphs beside the model on a GPU (null on the CPU). */
  private device: DeviceOps | null = null;
  private fused = false;
  private readonly tokenizer: TextTokenizer;
  private readonly tok: TokenizerInfo;
  private readonly pastNames: string[];
  private readonly presentNames: string[];
  private readonly textCache = new Map<number, string>();
  private readonly release = (t: OrtTensor): void => this.session.release(t);

  private constructor(private readonly opened: OpenedModel) {
    this.modelInfo = opened.info;
    this.deviceTensors = opened.ledger;
    this.tokenizer = opened.tokenizer;
    this.tok = opened.tok;
    this.chatTemplate = opened.chatTemplate;
    this.textBytesPerToken = opened.textBytesPerToken;
    this.pastNames = [...opened.session.inputs.keys()].filter((n) => n.startsWith('past_key_values.'));
    this.presentNames = [...opened.session.outputs.keys()].filter((n) => n.startsWith('present'));
    this.use(opened.session);
  }

  private use(session: OrtSession): void {
    this.session = session;
    this.device = session.device === 'cpu' ? null : new DeviceOps(session, this.deviceTensors);
    this.fused = session.outputs.has(SCORER_OUTPUTS.z);
    this.forwardMeasures = this.fused ? (r, s) => this.runMeasures(r, s) : undefined;
    const device = this.device;
    this.compareHeld = device ? (pairs, s) => this.compareOnDevice(device, pairs, s) : undefined;
  }

  static async load(o: OnnxLoadOptions): Promise<OnnxModel> {
    return new OnnxModel(await openOnnxModel(o));
  }

  /** The device actually used, and why another was not, as results record them. */
  get info(): ModelInfo {
    return this.modelInfo;
  }

  analyze(text: string, options?: AnalyzeOptions): Promise<AnalysisResult> {
    // A redo scores the text from its start again; a streaming caller has already written the tokens it
    // received (the CLI's JSON), so the redo passes on only those after them, each token once, in order.
    const onToken = options?.onToken;
    let sent = 0;
    const once =
      onToken &&
      ((t: TokenRecord) => {
        if (t.index < sent) return;
        sent = t.index + 1;
        onToken(t);
      });
    return redoOnCpu(
      () => analyzeText(text, this, { ...options, onToken: once }),
      () => options?.prefixCache?.dispose(),
    );
  }

  /**
   * After a GPU failure in the middle of an analysis: the same model on the CPU from now on, the reason
   * recorded in its info. The GPU tensors still held (caches) are released before the GPU session goes.
   */
  async moveToCpu(reason: string): Promise<void> {
    if (!this.device) return;
    const from = this.session.device;
    const cpu = await this.opened.reopen('cpu');
    this.deviceTensors.releaseAll();
    await this.device.dispose();
    await this.session.dispose();
    this.use(cpu);
    const moved = `${DEVICE_NAME[from]} failed during an analysis (${reason.replace(/[.\s]+$/, '')}); it was redone on the CPU, which runs this model from now on.`;
    this.modelInfo = {
      ...this.modelInfo,
      device: 'cpu',
      measureKernel: this.fused ? 'onnx' : 'js',
      fallbackReason: [this.modelInfo.fallbackReason, moved].filter(Boolean).join(' '),
    };
  }

  /** Runs GPU work; its errors become DeviceFailures that move the model to the CPU (deviceFailure.ts). */
  private async onDevice<T>(work: () => Promise<T>): Promise<T> {
    if (!this.device) return work();
    try {
      return await work();
    } catch (e) {
      if (e instanceof SemanticFlowError) throw e;
      const reason = deviceErrorSummary(e);
      throw new DeviceFailure(this.session.device, reason, () => this.moveToCpu(reason));
    }
  }

  tokenize(text: string): TokenizedText {
    return tokenizeInPieces((t) => this.tokenizer.encode(t), this.tok, text);
  }

  tokenizePacked(text: string, prefix: number[]): PackedTokens {
    return tokenizePackedInPieces((t) => this.tokenizer.encode(t), this.tok, text, prefix);
  }

  tokenBytes(id: number): Uint8Array {
    return bytesOfId(this.tok, id);
  }

  tokenText(id: number): string {
    let s = this.textCache.get(id);
    if (s === undefined) {
      s = displayTextOfId(this.tok, id);
      this.textCache.set(id, s);
    }
    return s;
  }

  /** The bytes `id` adds to decoded text: none for special tokens (as vLLM decodes, skip_special_tokens). */
  decodedBytes(id: number): Uint8Array {
    return this.tok.specialIds.has(id) ? new Uint8Array(0) : bytesOfId(this.tok, id);
  }

  applyChatTemplate(messages: ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.chatTemplate) {
      throw new SemanticFlowError(
        'unsupported-model',
        `The model ${this.info.id} has no chat template in tokenizer_config.json.`,
      );
    }
    return this.tokenizer.applyChatTemplate(messages, options.addGenerationPrompt ?? false);
  }

  /** Feeds for a pass; the scorer inputs get the cheapest valid values unless `measures` is given. */
  private feeds(
    input: ForwardInput,
    measures?: MeasureRequest,
    logitsWanted = !measures,
  ): { feeds: Record<string, OrtTensor>; P: number; S: number; B: number } {
    const B = input.inputIds.length,
      S = input.inputIds[0].length;
    const past = input.past as OnnxKvCache | null | undefined;
    const P = past?.length ?? 0;
    if (past && this.pastNames.length === 0) {
      throw new SemanticFlowError(
        'unsupported-model',
        `The model ${this.info.id} was exported without past_key_values, so it cannot reuse a KV cache.`,
      );
    }
    if (past && past.batch !== B) throw new Error(`KV cache batch ${past.batch} does not match input batch ${B}.`);
    const feeds: Record<string, OrtTensor> = {
      input_ids: int64Rows(input.inputIds),
      attention_mask: int64Rows(input.attentionMask ?? input.inputIds.map(() => new Array(P + S).fill(1))),
    };
    if (this.session.has('position_ids')) {
      feeds.position_ids = int64Rows(
        input.positionIds ?? input.inputIds.map(() => Array.from({ length: S }, (_, i) => P + i)),
      );
    }
    if (past) Object.assign(feeds, past.tensors);
    else for (const n of this.pastNames) feeds[n] = emptyInput(this.session.inputs.get(n)!, B);
    if (this.fused) {
      // Without a measure request the scorer still runs (ONNX Runtime does not prune it), so it gets
      // the cheapest valid work: the last row only. Never an empty slice: some kernels fault on it.
      const m = measures ?? { firstRow: S - 1, targets: input.inputIds.map(() => [0]), topK: 1 };
      if (m.firstRow >= S || m.targets[0].length !== S - m.firstRow)
        throw new Error('forwardMeasures: firstRow/targets do not match the input');
      feeds[SCORER_INPUTS.firstRow] = int64Vector([m.firstRow]);
      feeds[SCORER_INPUTS.targets] = int64Rows(m.targets);
      feeds[SCORER_INPUTS.k] = int64Vector([Math.min(Math.max(1, m.topK), this.info.vocabSize)]);
    }
    // A CPU session whose head runs in the scorer's row blocks writes `logits` from this row on
    // (scorerHead.ts): all rows for a pass that reads them, else the last one only.
    if (this.session.has(HEAD_INPUT)) feeds[HEAD_INPUT] = int64Vector([logitsWanted ? 0 : S - 1]);
    return { feeds, P, S, B };
  }

  /** The pass's cache when it is to be kept; otherwise its present tensors are released. */
  private cacheFrom(
    out: Record<string, OrtTensor>,
    keep: boolean | undefined,
    length: number,
    batch: number,
  ): OnnxKvCache | null {
    if (keep && this.presentNames.length > 0)
      return cacheFromPresents(out, this.presentNames, length, batch, this.release);
    for (const n of this.presentNames) if (out[n]) this.release(out[n]);
    return null;
  }

  /**
   * One run of the model: the outputs a pass asks for. On the CPU only those are fetched. On a GPU every
   * output is (deviceOps.ts says why); the logits stay on the device unless rows are asked for, which
   * come through a cast-and-copy graph, and the GPU tensors nobody keeps are released at once.
   */
  private async pass(
    feeds: Record<string, OrtTensor>,
    want: { logits: boolean; measures: boolean; presents: boolean; hold?: boolean },
  ): Promise<{ out: Record<string, OrtTensor>; logits: Float32Array | null; held?: DeviceLogits }> {
    if (!this.device) {
      const fetches = [
        ...(want.logits ? ['logits'] : []),
        ...(want.measures ? MEASURE_FETCHES : []),
        ...(want.presents ? this.presentNames : []),
      ];
      const out = await this.session.run(feeds, fetches.length ? fetches : ['logits']);
      const logits = want.logits ? float32Of(out.logits) : null;
      if (!want.logits) this.release(out.logits);
      return { out, logits };
    }
    const device = this.device;
    return this.onDevice(async () => {
      const out = await this.session.run(feeds, [...this.session.outputs.keys()]);
      try {
        const logits = want.logits ? await device.logitsToCpu(out.logits) : null;
        return { out, logits, ...(want.hold ? { held: new DeviceLogits(out.logits, this.release) } : {}) };
      } catch (e) {
        if (want.hold) this.release(out.logits);
        throw e;
      } finally {
        if (!want.hold) this.release(out.logits);
        if (!want.presents) for (const n of this.presentNames) this.release(out[n]);
      }
    });
  }

  async forward(input: ForwardInput, signal?: AbortSignal): Promise<ForwardOutput> {
    if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
    const wantLogits = input.wantLogits !== false;
    const { feeds, P, S, B } = this.feeds(input, undefined, wantLogits);
    const V = this.info.vocabSize;
    const into = wantLogits ? input.logitsInto : undefined;
    if (into && into.length !== B * S * V)
      throw new Error(`forward: logitsInto holds ${into.length} floats, the pass gives ${B * S * V}`);
    if (into && !this.device && this.session.outputs.get('logits')?.type === 'float32') {
      // ONNX Runtime writes the logits straight into the caller's buffer.
      const presents = input.keepCache ? this.presentNames : [];
      const out = await this.session.runInto(feeds, {
        logits: tensorOf('float32', into, [B, S, V]),
        ...Object.fromEntries(presents.map((n) => [n, null])),
      });
      return { logits: into, batch: B, seq: S, vocab: V, cache: this.cacheFrom(out, input.keepCache, P + S, B) };
    }
    const { out, logits, held } = await this.pass(feeds, {
      logits: wantLogits,
      measures: false,
      presents: !!input.keepCache,
      hold: input.holdLogits,
    });
    const cache = this.cacheFrom(out, input.keepCache, P + S, B);
    if (into && logits) into.set(logits);
    return {
      logits: into ?? logits ?? new Float32Array(0),
      batch: B,
      seq: S,
      vocab: V,
      cache,
      ...(held ? { held } : {}),
    };
  }

  /** Present only when the model was fused (core checks for it). */
  forwardMeasures?: (request: MeasureRequest, signal?: AbortSignal) => Promise<MeasureRows>;

  private async runMeasures(request: MeasureRequest, signal?: AbortSignal): Promise<MeasureRows> {
    if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
    const { feeds, P, S, B } = this.feeds(request, request);
    const O = SCORER_OUTPUTS;
    const { out, held } = await this.pass(feeds, {
      logits: false,
      measures: true,
      presents: !!request.keepCache,
      hold: request.holdLogits,
    });
    const k = out[O.topkD].dims[2];
    const f32 = (name: string) => out[name].data as Float32Array;
    return {
      batch: B,
      rows: S - request.firstRow,
      k,
      ...finishScorerRows({
        z: f32(O.z),
        s1: f32(O.s1),
        s2: f32(O.s2),
        targetD: f32(O.targetD),
        topkD: f32(O.topkD),
        k,
      }),
      greaterCount: out[O.rank].data as Float32Array,
      topkIds: out[O.topkIds].data as BigInt64Array,
      cache: this.cacheFrom(out, request.keepCache, P + S, B),
      ...(held ? { held } : {}),
    };
  }

  /** Present only on a GPU (core checks for it): pairs of held rows compared there (pairGraph.ts). */
  compareHeld?: (pairs: HeldPair[], signal?: AbortSignal) => Promise<{ logRatioBits: number; klBits: number }[]>;

  private async compareOnDevice(
    device: DeviceOps,
    pairs: HeldPair[],
    signal?: AbortSignal,
  ): Promise<{ logRatioBits: number; klBits: number }[]> {
    if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
    const results: { logRatioBits: number; klBits: number }[] = new Array(pairs.length);
    // One run per pair of held tensors (an occluded forward against the clean chunks it needs).
    const groups = new Map<HeldLogits, Map<HeldLogits, number[]>>();
    pairs.forEach((x, i) => {
      const byQ = groups.get(x.p) ?? new Map<HeldLogits, number[]>();
      groups.set(x.p, byQ);
      const members = byQ.get(x.q) ?? [];
      byQ.set(x.q, members);
      members.push(i);
    });
    return this.onDevice(async () => {
      for (const [p, byQ] of groups) {
        for (const [q, members] of byQ) {
          const at = members.map((i) => pairs[i]);
          const r = await device.comparePairs(
            (p as DeviceLogits).tensor,
            (q as DeviceLogits).tensor,
            at.map((x) => x.pRow),
            at.map((x) => x.qRow),
            at.map((x) => x.target),
          );
          members.forEach((i, m) => {
            results[i] = pairResult(r, m);
          });
        }
      }
      return results;
    });
  }

  async tileCache(cache: KvCache, batch: number): Promise<KvCache> {
    const device = this.device;
    return device
      ? this.onDevice(() => device.tileCache(cache as OnnxKvCache, batch))
      : tileCacheOnCpu(cache as OnnxKvCache, batch);
  }

  async sliceCache(cache: KvCache, length: number): Promise<KvCache> {
    checkSlice(cache, length);
    const device = this.device;
    return device
      ? this.onDevice(() => device.sliceCache(cache as OnnxKvCache, length))
      : sliceCacheOnCpu(cache as OnnxKvCache, length);
  }

  async dispose(): Promise<void> {
    this.deviceTensors.releaseAll();
    await this.device?.dispose();
    await this.session.dispose();
  }
}
