/**
 * Every message between the extension host (or CLI) and the engine worker, declared once; both sides
 * import these types. Requests carry the engine config they need, and the worker keeps one loaded
 * model shared by all commands (it reloads only when the config changes).
 *
 * Why hand-written rather than vscode-jsonrpc: the message set is small, cancellation and progress
 * are a few lines, and results are plain structured-clone objects (no JSON round trip).
 */
import type { AnalysisResult, Dtype, ModelInfo } from '../core/result';
import type { ErrorCode } from '../core/errors';
import type { GeneratedToken } from '../core/generation';
import type { EngineConfig } from '../engines/engineConfig';
import type { CompletionEvent, CompletionJob, CompletionOutcome, Tokenized } from '../engines/remote/serveEngine';

/** Which model to run and where (engines/engineConfig.ts); the worker builds it with engines/createModel.ts. */
export type { EngineConfig };

export const PROTOCOL_VERSION = 3;

/** Where the analysed text sits in a document (UTF-16 offset), for staleness checks and superseding. */
export interface SourceRef {
  uri: string;
  version: number;
  offset: number;
}

export interface ScoreOptions {
  topK: number;
  chunkSize?: number;
  units?: boolean;
  /** Reuse the KV cache of the unchanged prefix of this document's previous analysis (needs `source`). */
  reusePrefix?: boolean;
}

export interface AnalyzeParams {
  engine: EngineConfig;
  text: string;
  source?: SourceRef;
  options: ScoreOptions;
}

export interface DiParams {
  engine: EngineConfig;
  /** The whole scored text; prompt and response are UTF-16 ranges inside it. */
  text: string;
  prompt: { start: number; end: number };
  response: { start: number; end: number };
  source?: SourceRef;
  options: ScoreOptions & { baseline?: 'bos' | 'neutral' | 'text'; baselineText?: string };
}

export interface FlowParams {
  engine: EngineConfig;
  text: string;
  source?: SourceRef;
  options: ScoreOptions & {
    unit?: 'token' | 'word' | 'line' | 'sentence';
    method?: 'attention-mask' | 'replace' | 'delete';
  };
}

export interface GenerateParams {
  engine: EngineConfig;
  prompt: string;
  source?: SourceRef;
  options: ScoreOptions & { maxTokens: number; temperature?: number; seed?: number; samples?: number };
}

export interface CompareParams {
  engine: EngineConfig;
  engineB: EngineConfig;
  text: string;
  source?: SourceRef;
  options: ScoreOptions;
}

/** A chat transcript for directed information both ways (measures.md, "Directed information in a dialogue"). */
export interface DialogueParams {
  engine: EngineConfig;
  messages: { role: string; content: string }[];
  options: ScoreOptions & { baseline?: 'neutral' | 'text'; baselineText?: string };
}

/** Every ONNX variant of the engine's model folder against its fp32 model, on `text` (measures.md, "Rate–distortion"). */
export interface RateDistortionParams {
  engine: EngineConfig;
  text: string;
  source?: SourceRef;
  options: ScoreOptions & { resamples?: number; seed?: number; worst?: number };
}

/**
 * Downloads a Hub model into `<destRoot>/<owner>/<name>` (src/engines/catalog/download.ts): the one
 * request that touches the network for a local model. Loading never downloads.
 */
export interface DownloadParams {
  /** A catalog model's Hub id, or another `owner/name` assumed to have the standard transformers.js layout. */
  hubId: string;
  dtype: Dtype;
  /** Models folder (the extension's global storage `models`, never its install folder). */
  destRoot: string;
  /** Hub base URL; default $HF_ENDPOINT in the engine's environment, else https://huggingface.co. */
  host?: string;
  revision?: string;
  /** Delete `.part` files on cancel instead of keeping them for a resume. */
  cleanupOnCancel?: boolean;
  /** VS Code's http.proxy; when empty the engine's HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply. */
  proxy?: string;
}

export interface DownloadResult {
  hubId: string;
  dtype: Dtype;
  /** The model folder, ready to load (checked with inspectModelFolder). */
  dir: string;
  /** Bytes of the model's files on disk. */
  bytes: number;
}

/** Requests sent from the client to the worker: each names its params and its result. */
export interface Requests {
  /** Sent first on every new worker; a version mismatch fails every request. */
  hello: { params: { protocolVersion: number }; result: { protocolVersion: number } };
  /** Loads (or keeps) the model without analysing anything. */
  load: { params: { engine: EngineConfig }; result: ModelInfo };
  analyze: { params: AnalyzeParams; result: AnalysisResult };
  di: { params: DiParams; result: AnalysisResult };
  flow: { params: FlowParams; result: AnalysisResult };
  generate: { params: GenerateParams; result: AnalysisResult };
  compare: { params: CompareParams; result: AnalysisResult };
  dialogue: { params: DialogueParams; result: AnalysisResult };
  rateDistortion: { params: RateDistortionParams; result: AnalysisResult };
  download: { params: DownloadParams; result: DownloadResult };
  /** Disposes the loaded models (the worker stays up). */
  unload: { params: Record<string, never>; result: null };
  /** `semantic-flow serve`'s engine (engines/remote/serveEngine.ts): load, tokenize, one completion job. */
  serveLoad: { params: { engine: EngineConfig }; result: { info: ModelInfo; textBytesPerToken: number } };
  serveTokenize: { params: { engine: EngineConfig; text: string; bos: boolean }; result: Tokenized };
  serveComplete: { params: { engine: EngineConfig; job: CompletionJob }; result: CompletionOutcome };
}
export type Method = keyof Requests;
export type Params<M extends Method> = Requests[M]['params'];
export type Result<M extends Method> = Requests[M]['result'];

export type RequestMessage = {
  [M in Method]: { kind: 'request'; id: number; method: M; params: Params<M> };
}[Method];

/** Sent from the client to the worker. */
export type ToWorker = RequestMessage | { kind: 'cancel'; id: number };

/** Progress of one request, sent from the worker while it runs. */
export type Progress =
  /** A model loading: its files read (`done`/`total` bytes, large models), then prepared on `device`. */
  | { stage: 'load'; model: string; done?: number; total?: number; device?: string }
  /** `detail`: what the work is, shown beside the count (e.g. a flow run's plan). */
  | { stage: 'score'; done: number; total: number; unit: 'tokens' | 'passes' | 'token-steps'; detail?: string }
  /**
   * Bytes of a download: `done`/`total` over all files (`total` is exact once every file's size is
   * known, an estimate before), `fileDone`/`fileTotal` for the file being fetched; with `verifying`, the
   * file is whole and `fileDone` counts the bytes read back for its sha256.
   */
  | {
      stage: 'download';
      model: string;
      file: string;
      done: number;
      total: number;
      fileDone: number;
      fileTotal: number | null;
      verifying?: boolean;
    }
  /** One generated token of the first sample, for streaming views (the extension puts it in its ResultStore). */
  | { stage: 'token'; token: GeneratedToken }
  /** The prompt, then each generated token, of a serve completion job. */
  | { stage: 'completion'; event: CompletionEvent };

export type EngineStatus =
  | { health: 'stopped' }
  | { health: 'loading'; model: string }
  | { health: 'ready'; model: ModelInfo }
  | { health: 'busy'; model: ModelInfo; method: Method }
  | { health: 'error'; code: ErrorCode; message: string };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Errors cross the boundary as plain data. */
export interface WorkerError {
  code: ErrorCode;
  message: string;
  stack?: string;
}

/** Sent from the worker to the client. */
export type FromWorker =
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: WorkerError }
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'status'; status: EngineStatus }
  | { kind: 'log'; level: LogLevel; message: string };

/** Methods whose newer request for the same document supersedes (cancels) an older one. */
export const SUPERSEDING_METHODS: readonly Method[] = ['analyze', 'di', 'flow', 'compare', 'rateDistortion'];

/**
 * Requests that run beside the model queue: a download never touches the loaded model (it does not hold
 * up an analysis); serve's requests are bounded by serve itself (its --concurrency), and a tokenization
 * does not wait behind a generation.
 */
export const INDEPENDENT_METHODS: readonly Method[] = ['download', 'serveTokenize', 'serveComplete'];

/** Stable key of an engine config, secrets excluded (for "is this model already loaded"). */
export function engineKey(e: EngineConfig): string {
  return e.kind === 'onnx'
    ? `onnx|${e.modelDir ?? 'builtin'}|${e.hubId ?? ''}|${e.hubId ? (e.modelsDirs ?? []).join('|') : ''}|${e.device}|${e.dtype}|${e.threads ?? ''}|${e.prepack ?? ''}`
    : `remote|${e.endpoint}|${e.model}|${e.apiKey ? fingerprint(e.apiKey) : 'nokey'}|` +
        [e.flavor, e.vocabSize, e.topK, e.topKPolicy, e.timeoutMs, e.retries].map((v) => v ?? '').join('|');
}

// Distinguishes keys without putting them in the key string (the key may be logged).
function fingerprint(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return `key${h.toString(36)}`;
}
