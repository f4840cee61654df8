/**
 * The ONNX engine: a causal LM folder loaded through transformers.js (remote loading off), with an
 * explicit device fallback, exact token spans, and teacher-forced passes that reuse the KV cache.
 */
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers';
import { SemanticFlowError } from '../../core/errors';
import type { Dtype, ModelInfo } from '../../core/result';
import type { ForwardInput, ForwardOutput, KvCache, ScoringModel, TokenizedText } from '../../core/scoringModel';
import { analyzeText, type AnalyzeOptions } from '../../core/analyze';
import type { AnalysisResult } from '../../core/result';
import { spansFromTokenBytes } from '../../core/spans';
import type { LanguageModel } from '../languageModel';
import { loadWithFallback, type LocalDevice, type PrecheckEnv, defaultPrecheckEnv } from './deviceFallback';
import { contextWindowOf, inspectModelFolder } from './modelFolder';
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
  precheckEnv?: PrecheckEnv;
  /** Replaces transformers.js's loader (tests inject failing devices). */
  loadSession?: (dir: string, device: string, dtype: Dtype) => Promise<CausalLm>;
}

/** The part of a transformers.js PreTrainedModel this engine uses. */
export interface CausalLm {
  (inputs: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  sessions: Record<string, { inputNames: string[]; outputNames: string[] }>;
  dispose(): Promise<unknown>;
}

class OnnxKvCache implements KvCache {
  constructor(
    readonly length: number,
    readonly batch: number,
    readonly tensors: Record<string, Tensor>,
  ) {}
  dispose(): void {
    for (const t of Object.values(this.tensors)) t.dispose?.();
  }
}

const int64 = (rows: number[][]): Tensor => {
  const B = rows.length, S = rows[0]?.length ?? 0;
  const data = new BigInt64Array(B * S);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) data[b * S + s] = BigInt(rows[b][s]);
  return new Tensor('int64', data, [B, S]);
};

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
  if (/protobuf|Load model|INVALID_GRAPH|invalid model|Failed to load model|model_path|ONNX format/i.test(msg)) {
    return new SemanticFlowError('model-corrupt', `The ONNX model in ${dir} could not be loaded: it is corrupt or not an ONNX model (${msg.split('\n')[0].slice(0, 200)}).`);
  }
  return e instanceof Error ? e : new Error(msg);
}

export class OnnxModel implements LanguageModel, ScoringModel {
  readonly kind = 'onnx' as const;
  readonly scoring: ScoringModel = this;
  readonly chatTemplate: string | null;
  private readonly pastNames: string[];

  private constructor(
    readonly info: ModelInfo,
    private readonly lm: CausalLm,
    private readonly tokenizer: { encode(text: string, o: { add_special_tokens: boolean }): number[]; apply_chat_template?: (...a: never[]) => unknown },
    private readonly tok: TokenizerInfo,
    private readonly inputNames: string[],
    chatTemplate: string | null,
  ) {
    this.pastNames = inputNames.filter((n) => n.startsWith('past_key_values.'));
    this.chatTemplate = chatTemplate;
  }

  static async load(o: OnnxLoadOptions): Promise<OnnxModel> {
    const dtype: Dtype = o.dtype ?? 'fp32';
    const folder = inspectModelFolder(o.modelDir, dtype);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    let tokenizer;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(folder.dir, { local_files_only: true });
    } catch (e) {
      throw new SemanticFlowError('model-corrupt', `The tokenizer in ${folder.dir} could not be loaded (${String((e as Error).message).split('\n')[0]}).`);
    }
    const tok = tokenizerInfo(folder.tokenizerJson, tokenizer.get_vocab() as Map<string, number>);
    const vocabSize = typeof folder.config.vocab_size === 'number' ? folder.config.vocab_size : tok.vocab.length;
    if (tok.vocab.length > vocabSize) {
      throw new SemanticFlowError(
        'tokenizer-mismatch',
        `The tokenizer in ${folder.dir} has ${tok.vocab.length} tokens but the model predicts only ${vocabSize} (config.json vocab_size); they do not belong together.`,
      );
    }
    const load = o.loadSession ?? defaultLoadSession(o.threads);
    const outcome = await loadWithFallback(
      o.device ?? 'cpu',
      async (device) => {
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
    };
    const chatTemplate = typeof folder.tokenizerConfig.chat_template === 'string' ? folder.tokenizerConfig.chat_template : null;
    return new OnnxModel(info, lm, tokenizer as never, tok, session.inputNames, chatTemplate);
  }

  analyze(text: string, options?: AnalyzeOptions): Promise<AnalysisResult> {
    return analyzeText(text, this, options);
  }

  tokenize(text: string): TokenizedText {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false });
    const spans = spansFromTokenBytes(text, ids.map((id) => bytesOfId(this.tok, id)), { prependedSpace: this.tok.prependedSpace });
    return { ids, spans, special: ids.map((id) => this.tok.specialIds.has(id)) };
  }

  private readonly textCache = new Map<number, string>();
  tokenText(id: number): string {
    let s = this.textCache.get(id);
    if (s === undefined) {
      s = displayTextOfId(this.tok, id);
      this.textCache.set(id, s);
    }
    return s;
  }

  applyChatTemplate(messages: { role: string; content: string }[], options: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.chatTemplate || !this.tokenizer.apply_chat_template) {
      throw new SemanticFlowError('unsupported-model', `The model ${this.info.id} has no chat template in tokenizer_config.json.`);
    }
    return (this.tokenizer.apply_chat_template as unknown as (m: unknown, o: unknown) => string)(messages, {
      tokenize: false,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  }

  async forward(input: ForwardInput, signal?: AbortSignal): Promise<ForwardOutput> {
    if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
    const B = input.inputIds.length, S = input.inputIds[0].length;
    const past = input.past as OnnxKvCache | null | undefined;
    const P = past?.length ?? 0;
    if (past && this.pastNames.length === 0) {
      throw new SemanticFlowError('unsupported-model', `The model ${this.info.id} was exported without past_key_values, so it cannot reuse a KV cache.`);
    }
    if (past && past.batch !== B) throw new Error(`KV cache batch ${past.batch} does not match input batch ${B}.`);
    const feeds: Record<string, Tensor> = {
      input_ids: int64(input.inputIds),
      attention_mask: int64(input.attentionMask ?? input.inputIds.map(() => new Array(P + S).fill(1))),
    };
    if (this.inputNames.includes('position_ids')) {
      feeds.position_ids = int64(input.positionIds ?? input.inputIds.map(() => Array.from({ length: S }, (_, i) => P + i)));
    }
    if (past) (feeds as Record<string, unknown>).past_key_values = past.tensors;
    const out = await this.lm(feeds);
    const logitsT = out.logits;
    const logits = logitsT.type === 'float32' ? (logitsT.data as Float32Array) : (logitsT.to('float32').data as Float32Array);
    const V = logitsT.dims[2];
    let cache: OnnxKvCache | null = null;
    const presents = Object.entries(out).filter(([k]) => k.startsWith('present'));
    if (input.keepCache && presents.length > 0) {
      cache = new OnnxKvCache(P + S, B, Object.fromEntries(presents.map(([k, v]) => [k.replace('present', 'past_key_values'), v])));
    } else {
      for (const [, t] of presents) t.dispose?.();
    }
    return { logits, batch: B, seq: S, vocab: V, cache };
  }

  tileCache(cache: KvCache, batch: number): KvCache {
    const c = cache as OnnxKvCache;
    if (c.batch !== 1) throw new Error('tileCache expects a batch-1 cache');
    const tensors: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(c.tensors)) {
      const src = (t.type === 'float32' ? t : t.to('float32')).data as Float32Array;
      const data = new Float32Array(src.length * batch);
      for (let b = 0; b < batch; b++) data.set(src, b * src.length);
      const tiled = new Tensor('float32', data, [batch, ...t.dims.slice(1)]);
      tensors[k] = t.type === 'float32' ? tiled : tiled.to(t.type as never);
    }
    return new OnnxKvCache(c.length, batch, tensors);
  }

  async dispose(): Promise<void> {
    await this.lm.dispose();
  }
}
