/**
 * The one engine factory: an EngineConfig → a loaded LanguageModel, for the worker and the CLI alike. The
 * ONNX engine reads a local folder: the built-in model when `modelDir` is null, or a Hugging Face id already
 * on disk (a models folder, then the Hub cache); loading never downloads (the `download` request does,
 * explicitly), and a half-downloaded folder is never loaded. A remote config probes its server once.
 */
import { BUILTIN_MODEL_NAME, builtinModelDir } from './builtinModel';
import { findHubModel } from './catalog/findModel';
import { defaultModelsDir } from './catalog/modelsDir';
import type { EngineConfig, OnnxEngineConfig } from './engineConfig';
import type { LanguageModel, LoadProgress } from './languageModel';
import { OnnxModel } from './onnx/onnxModel';
import { RemoteModel } from './remote/remoteModel';

export interface CreateModelOptions {
  /** One-line engine notices (clamped top-k, retries): the extension's log, the CLI's stderr. */
  notice?: (message: string) => void;
  /** Aborts a remote connection probe (and the requests of the CLI's run). */
  signal?: AbortSignal;
  /** A local model's load: its files read (large models), then the device it is prepared on. */
  onProgress?: (p: LoadProgress) => void;
}

/**
 * The folder an ONNX engine config loads `dtype` from: its folder, the built-in model's, or the Hub id's on
 * disk. A hubId is the extension's way to name a downloaded model (the CLI resolves --model itself, with its
 * own advice), hence the extension's wording when it is missing.
 */
export function modelDirOf(engine: OnnxEngineConfig, dtype = engine.dtype): string {
  return engine.hubId
    ? findHubModel(engine.hubId, dtype, {
        modelsDirs: [...(engine.modelsDirs ?? []), defaultModelsDir()],
        audience: 'extension',
      }).dir
    : (engine.modelDir ?? builtinModelDir());
}

/** A local config gives the ONNX engine itself (full-vocabulary passes); any config gives a LanguageModel. */
export function createModel(engine: OnnxEngineConfig, o?: CreateModelOptions): Promise<OnnxModel>;
export function createModel(engine: EngineConfig, o?: CreateModelOptions): Promise<LanguageModel>;
export async function createModel(engine: EngineConfig, o: CreateModelOptions = {}): Promise<LanguageModel> {
  if (engine.kind === 'remote') {
    return RemoteModel.connect({
      endpoint: engine.endpoint,
      model: engine.model || undefined,
      apiKey: engine.apiKey,
      flavor: engine.flavor,
      vocabSize: engine.vocabSize,
      topK: engine.topK,
      topKPolicy: engine.topKPolicy,
      timeoutMs: engine.timeoutMs,
      retries: engine.retries,
      onNotice: o.notice,
      signal: o.signal,
    });
  }
  return OnnxModel.load({
    modelDir: modelDirOf(engine),
    id: engine.modelDir === null && !engine.hubId ? BUILTIN_MODEL_NAME : engine.id,
    device: engine.device,
    dtype: engine.dtype,
    threads: engine.threads,
    prepack: engine.prepack,
    onProgress: o.onProgress,
  });
}
