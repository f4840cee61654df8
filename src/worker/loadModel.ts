/**
 * EngineConfig → a loaded LanguageModel. The ONNX engine reads a local folder: the built-in model when
 * `modelDir` is null, or a Hugging Face id already on disk (a models folder, then the Hub cache); loading
 * never downloads (the `download` request does, explicitly). A half-downloaded folder is never loaded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SemanticFlowError } from '../core/errors';
import { BUILTIN_MODEL_NAME, builtinModelDir } from '../engines/builtinModel';
import type { LanguageModel } from '../engines/languageModel';
import { OnnxModel } from '../engines/onnx/onnxModel';
import { DTYPE_SUFFIX } from '../engines/onnx/modelFolder';
import type { Dtype } from '../core/result';
import { findHubSnapshot, hubCacheRoots } from '../engines/catalog/hubCache';
import { completeDtypes } from '../engines/catalog/localModels';
import { defaultModelsDir, modelFolderFor } from '../engines/catalog/modelsDir';
import { loadRemoteModel } from './remoteEngine';
import type { EngineConfig } from './protocol';

/**
 * True when a downloaded model folder holds everything `dtype` needs to load: config.json,
 * tokenizer.json and the ONNX file (downloads write `<file>.part` and rename it only once it is whole),
 * with no external-data file still in `.part`.
 */
export function isCompleteModelFolder(dir: string, dtype: Dtype): boolean {
  return completeDtypes(dir).includes(dtype);
}

/** Why a models-folder copy of `hubId` cannot load as `dtype`, or null when there is no such folder. */
function incompleteReason(hubId: string, dir: string, dtype: Dtype): string | null {
  if (!['config.json', 'config.json.part', 'onnx'].some((f) => existsSync(join(dir, f)))) return null;
  const onnx = `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;
  const others = completeDtypes(dir).filter((d) => d !== dtype);
  const what = existsSync(join(dir, `${onnx}.part`)) || existsSync(join(dir, `${onnx}_data.part`))
    ? `its download was interrupted (${onnx} is still partial)`
    : ['config.json', 'tokenizer.json', onnx].filter((f) => !existsSync(join(dir, f))).map((f) => `${f} is missing`).join(', ');
  return `The model "${hubId}" in ${dir} is not complete for ${dtype}: ${what}. ` +
    (others.length ? `It is complete for ${others.join(', ')} (setting semanticFlow.dtype), or ` : '') +
    `choose it in "Semantic Flow: Select Model" to download the rest (partial files are resumed).`;
}

/** Loads the model an engine config names; `notice` receives one-line engine notices (for the log). */
export async function loadModel(engine: EngineConfig, notice?: (message: string) => void): Promise<LanguageModel> {
  if (engine.kind === 'remote') return loadRemoteModel(engine, notice);
  let dir: string;
  if (engine.hubId) {
    const hubId = engine.hubId;
    const roots = [...(engine.modelsDirs ?? []), defaultModelsDir()];
    const folders = roots.map((r) => modelFolderFor(r, hubId));
    const downloaded = folders.find((d) => isCompleteModelFolder(d, engine.dtype));
    const found = downloaded ?? findHubSnapshot(hubId);
    if (!found) {
      const incomplete = folders.map((d) => incompleteReason(hubId, d, engine.dtype)).find((r) => r !== null);
      if (incomplete) throw new SemanticFlowError('model-not-found', incomplete);
      throw new SemanticFlowError(
        'model-not-found',
        `The model "${engine.hubId}" is not on this machine (looked in ${[...roots, ...hubCacheRoots()].join(', ')}). ` +
          `Choose it in "Semantic Flow: Select Model" to download it (catalog models), run semantic-flow models download ${engine.hubId}, or choose a local folder.`,
      );
    }
    dir = found;
  } else {
    dir = engine.modelDir ?? builtinModelDir();
  }
  return OnnxModel.load({
    modelDir: dir,
    id: engine.modelDir === null && !engine.hubId ? BUILTIN_MODEL_NAME : engine.id,
    device: engine.device,
    dtype: engine.dtype,
    threads: engine.threads,
  });
}
