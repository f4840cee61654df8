/**
 * EngineConfig → a loaded LanguageModel. The ONNX engine reads a local folder: the built-in model when
 * `modelDir` is null, or a Hugging Face id already on disk (a models folder, then the Hub cache); loading
 * never downloads.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SemanticFlowError } from '../core/errors';
import { BUILTIN_MODEL_NAME, builtinModelDir } from '../engines/builtinModel';
import type { LanguageModel } from '../engines/languageModel';
import { OnnxModel } from '../engines/onnx/onnxModel';
import { defaultModelsDir, modelFolderFor } from '../engines/catalog/modelsDir';
import { loadRemoteModel } from './remoteEngine';
import type { EngineConfig } from './protocol';

/** Folders where a Hub id may already be on disk: $HF_HOME/hub and ~/.cache/huggingface/hub. */
export function hubCacheRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  if (env.HF_HUB_CACHE) roots.push(env.HF_HUB_CACHE);
  if (env.HF_HOME) roots.push(join(env.HF_HOME, 'hub'));
  roots.push(join(homedir(), '.cache', 'huggingface', 'hub'));
  return roots;
}

/** The newest snapshot folder of `org/name` holding a config.json, or null. */
export function findHubSnapshot(hubId: string, roots: string[] = hubCacheRoots()): string | null {
  for (const root of roots) {
    const snaps = join(root, `models--${hubId.replace(/\//g, '--')}`, 'snapshots');
    if (!existsSync(snaps)) continue;
    const dirs = readdirSync(snaps)
      .map((d) => join(snaps, d))
      .filter((d) => existsSync(join(d, 'config.json')))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    if (dirs.length > 0) return dirs[0];
  }
  return null;
}

/** Loads the model an engine config names; `notice` receives one-line engine notices (for the log). */
export async function loadModel(engine: EngineConfig, notice?: (message: string) => void): Promise<LanguageModel> {
  if (engine.kind === 'remote') return loadRemoteModel(engine, notice);
  let dir: string;
  if (engine.hubId) {
    const roots = [...(engine.modelsDirs ?? []), defaultModelsDir()];
    const downloaded = roots.map((r) => modelFolderFor(r, engine.hubId as string)).find((d) => existsSync(join(d, 'config.json')));
    const found = downloaded ?? findHubSnapshot(engine.hubId);
    if (!found) {
      throw new SemanticFlowError(
        'model-not-found',
        `The model "${engine.hubId}" is not on this machine (looked in ${[...roots, ...hubCacheRoots()].join(', ')}). ` +
          'Download it (with ONNX weights) first, or choose a local folder with "Semantic Flow: Select Model".',
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
