/** The flags every model-using command shares, and loading the model they name. */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { SemanticFlowError } from '../core/errors';
import { flagSpecs, type Flags } from './args';
import { findCatalogEntry } from '../engines/catalog/catalog';
import { findHubModel } from '../engines/catalog/findModel';
import { findHubSnapshot, hubCacheRoots } from '../engines/catalog/hubCache';
import { HUB_ID, defaultModelsDir, modelFolderFor } from '../engines/catalog/modelsDir';
import { LOCAL_DEVICES } from '../engines/onnx/deviceFallback';
import { DTYPES } from '../engines/onnx/modelFolder';
import { createModel } from '../engines/createModel';
import type { OnnxEngineConfig } from '../engines/engineConfig';
import type { OnnxModel } from '../engines/onnx/onnxModel';
import { BUILTIN_MODEL_NAME, builtinDefaultDtype, builtinModelDir } from '../engines/builtinModel';
import type { Dtype } from '../core/result';
import type { CliIo } from './io';
import { loadProgressLine } from './progress';

export const modelFlags = flagSpecs({
  model: {
    type: 'string',
    value: 'DIR|ID',
    help: `a model folder, or a catalog name or Hugging Face id already on disk (models download, or the Hugging Face cache); default: $SEMANTIC_FLOW_MODEL, else the built-in ${BUILTIN_MODEL_NAME}`,
  },
  device: {
    type: 'string',
    choices: LOCAL_DEVICES,
    default: 'auto',
    help: 'where the model runs; auto uses a GPU where one passes a check and the CPU otherwise',
  },
  dtype: {
    type: 'string',
    choices: DTYPES,
    help: 'weight precision (onnx/model*.onnx in the folder); default: fp32 when the folder has it, else q8',
  },
  threads: {
    type: 'int',
    value: 'N',
    min: 1,
    max: 1024,
    help: "ONNX Runtime's intra-op threads (default: its own choice)",
  },
  'no-prepack': {
    type: 'boolean',
    help: 'no prepacked copy of the weights on the CPU: they stay file pages the system can drop under memory pressure (the same peak RSS), passes up to 1.5 × slower',
  },
});
export type ModelFlags = Flags<typeof modelFlags>;
type ModelChoice = { model?: string; dtype?: Dtype };

/**
 * The folder and dtype `--model` (or $SEMANTIC_FLOW_MODEL) names: a folder; else a catalog name or Hub id
 * already on disk (downloaded by `models download`, or in the Hugging Face cache); the built-in model when
 * it names none or names it.
 */
export function resolveModelArg(
  value: string | undefined,
  dtype: Dtype | undefined,
  env: Record<string, string | undefined>,
): { dir: string; dtype: Dtype; id?: string } {
  if (value === undefined || (value === BUILTIN_MODEL_NAME && !existsSync(value))) {
    const dir = builtinModelDir();
    return { dir, dtype: dtype ?? builtinDefaultDtype(dir), id: BUILTIN_MODEL_NAME };
  }
  const catalog = findCatalogEntry(value);
  const hubId = catalog?.id ?? (HUB_ID.test(value) ? value : undefined);
  if (existsSync(value) || hubId === undefined) return { dir: value, dtype: dtype ?? builtinDefaultDtype(value) };
  const modelsDirs = [defaultModelsDir(env)],
    hubRoots = hubCacheRoots(env);
  // owner/name is also a relative path: one that is neither a folder here nor any model on disk is
  // more likely a folder typed from elsewhere (models/semantic-flow-mini outside the repository).
  if (!catalog && !modelsDirs.some((r) => existsSync(modelFolderFor(r, hubId))) && !findHubSnapshot(hubId, hubRoots))
    throw missingFolder(value, [...modelsDirs, ...hubRoots]);
  const found = findHubModel(hubId, dtype, { modelsDirs, hubRoots, audience: 'cli' });
  return { ...found, id: hubId };
}

function missingFolder(value: string, lookedIn: string[]): SemanticFlowError {
  // A path ending in the built-in model's name (the README's models/semantic-flow-mini, typed outside the
  // repository) means that model, not a Hub repository owned by "models": no download would find it.
  const hint =
    basename(value) === BUILTIN_MODEL_NAME
      ? `Did you mean the built-in model ${BUILTIN_MODEL_NAME}? Name it ${BUILTIN_MODEL_NAME}, which works from any folder.`
      : `For a Hugging Face model: semantic-flow models download ${value}.`;
  return new SemanticFlowError(
    'model-not-found',
    `Model folder not found: ${value} (from ${process.cwd()}); no downloaded model has that id either (looked in ${lookedIn.join(', ')}). ${hint}`,
  );
}

/** The folder, dtype and id the flags name; `choice` overrides --model and --dtype (compare's model B). */
export const modelArgFromFlags = (
  flags: ModelFlags,
  io: CliIo,
  choice: ModelChoice = {},
): { dir: string; dtype: Dtype; id?: string } =>
  // An empty $SEMANTIC_FLOW_MODEL is unset, as the shell treats `VAR=` elsewhere.
  resolveModelArg(
    choice.model ?? flags.model ?? (io.env.SEMANTIC_FLOW_MODEL || undefined),
    choice.dtype ?? flags.dtype,
    io.env,
  );

/** What --threads and --no-prepack ask of ONNX Runtime's sessions. */
export const sessionTuning = (flags: ModelFlags): Pick<OnnxEngineConfig, 'threads' | 'prepack'> => ({
  threads: flags.threads,
  ...(flags['no-prepack'] ? { prepack: false } : {}),
});

/** The local engine config the flags name (--model, --dtype, --device, --threads); `choice` as in modelArgFromFlags. */
export function onnxConfigFromFlags(flags: ModelFlags, io: CliIo, choice: ModelChoice = {}): OnnxEngineConfig {
  // Without --dtype: fp32 when the folder has it, else its int8 export (the .vsix ships only int8).
  const { dir, dtype, id } = modelArgFromFlags(flags, io, choice);
  return {
    kind: 'onnx',
    id,
    modelDir: dir,
    device: flags.device ?? 'auto',
    dtype,
    ...sessionTuning(flags),
  };
}

export async function loadModelFromFlags(flags: ModelFlags, io: CliIo, choice: ModelChoice = {}): Promise<OnnxModel> {
  const config = onnxConfigFromFlags(flags, io, choice);
  const line = loadProgressLine(io, config.id ?? basename(config.modelDir ?? ''));
  let model: OnnxModel;
  try {
    model = await createModel(config, { onProgress: line.update });
  } finally {
    line.done();
  }
  // `auto` choosing the CPU on a machine without a usable GPU is the normal case, not worth a line.
  if (model.info.fallbackReason && model.info.requestedDevice !== 'auto')
    io.stderr.write(`semantic-flow: using ${model.info.device} (${model.info.fallbackReason})\n`);
  return model;
}
