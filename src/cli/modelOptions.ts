/** The flags every model-using command shares, and loading the model they name. */
import { existsSync } from 'node:fs';
import type { FlagSpecs, ParsedFlags } from './args';
import { findCatalogEntry } from '../engines/catalog/catalog';
import { findHubModel } from '../engines/catalog/findModel';
import { hubCacheRoots } from '../engines/catalog/hubCache';
import { HUB_ID, defaultModelsDir } from '../engines/catalog/modelsDir';
import { LOCAL_DEVICES, type LocalDevice } from '../engines/onnx/deviceFallback';
import { DTYPES } from '../engines/onnx/modelFolder';
import { OnnxModel } from '../engines/onnx/onnxModel';
import { BUILTIN_MODEL_NAME, builtinDefaultDtype, builtinModelDir } from '../engines/builtinModel';
import type { Dtype } from '../core/result';
import type { CliIo } from './io';

export const modelFlags: FlagSpecs = {
  model: { type: 'string' },
  device: { type: 'string', choices: LOCAL_DEVICES },
  dtype: { type: 'string', choices: DTYPES },
  threads: { type: 'number' },
};

/**
 * The folder and dtype `--model` (or $SEMANTIC_FLOW_MODEL) names: a folder; else a catalog name or Hub id
 * already on disk (downloaded by `models download`, or in the Hugging Face cache); the built-in model when
 * it names none or names it.
 */
export function resolveModelArg(value: string | undefined, dtype: Dtype | undefined, env: Record<string, string | undefined>): { dir: string; dtype: Dtype; id?: string } {
  if (value === undefined || (value === BUILTIN_MODEL_NAME && !existsSync(value))) {
    const dir = builtinModelDir();
    return { dir, dtype: dtype ?? builtinDefaultDtype(dir), id: BUILTIN_MODEL_NAME };
  }
  const hubId = findCatalogEntry(value)?.id ?? (HUB_ID.test(value) ? value : undefined);
  if (existsSync(value) || hubId === undefined) return { dir: value, dtype: dtype ?? builtinDefaultDtype(value) };
  const found = findHubModel(hubId, dtype, { modelsDirs: [defaultModelsDir(env)], hubRoots: hubCacheRoots(env), audience: 'cli' });
  return { ...found, id: hubId };
}

/** The folder, dtype and id the flags name (`key`: the flag naming the model). */
export const modelArgFromFlags = (flags: ParsedFlags, io: CliIo, key = 'model'): { dir: string; dtype: Dtype; id?: string } =>
  resolveModelArg((flags[key] as string | undefined) ?? io.env.SEMANTIC_FLOW_MODEL, flags.dtype as Dtype | undefined, io.env);

export async function loadModelFromFlags(flags: ParsedFlags, io: CliIo, key = 'model'): Promise<OnnxModel> {
  const { dir, dtype, id } = modelArgFromFlags(flags, io, key);
  const model = await OnnxModel.load({
    modelDir: dir,
    id,
    device: (flags.device as LocalDevice | undefined) ?? 'cpu',
    // Without --dtype: fp32 when the folder has it, else its int8 export (the .vsix ships only int8).
    dtype,
    threads: flags.threads as number | undefined,
  });
  if (model.info.fallbackReason) io.stderr.write(`semantic-flow: using ${model.info.device} (${model.info.fallbackReason})\n`);
  return model;
}
