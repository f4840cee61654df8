/**
 * EngineConfig → a loaded LanguageModel. The ONNX engine reads a local folder: the built-in model when
 * `modelDir` is null, or a Hugging Face id already on disk (a models folder, then the Hub cache); loading
 * never downloads (the `download` request does, explicitly). A half-downloaded folder is never loaded.
 */
import { BUILTIN_MODEL_NAME, builtinModelDir } from '../engines/builtinModel';
import type { LanguageModel } from '../engines/languageModel';
import { OnnxModel } from '../engines/onnx/onnxModel';
import { findHubModel } from '../engines/catalog/findModel';
import { defaultModelsDir } from '../engines/catalog/modelsDir';
import { loadRemoteModel } from './remoteEngine';
import type { EngineConfig } from './protocol';

/** The folder an ONNX engine config loads `dtype` from: its folder, the built-in model's, or the Hub id's on disk. */
export function modelDirOf(engine: Extract<EngineConfig, { kind: 'onnx' }>, dtype = engine.dtype): string {
  return engine.hubId
    ? findHubModel(engine.hubId, dtype, { modelsDirs: [...(engine.modelsDirs ?? []), defaultModelsDir()], audience: 'extension' }).dir
    : (engine.modelDir ?? builtinModelDir());
}

/** Loads the model an engine config names; `notice` receives one-line engine notices (for the log). */
export async function loadModel(engine: EngineConfig, notice?: (message: string) => void): Promise<LanguageModel> {
  if (engine.kind === 'remote') return loadRemoteModel(engine, notice);
  const dir = modelDirOf(engine);
  return OnnxModel.load({
    modelDir: dir,
    id: engine.modelDir === null && !engine.hubId ? BUILTIN_MODEL_NAME : engine.id,
    device: engine.device,
    dtype: engine.dtype,
    threads: engine.threads,
  });
}
