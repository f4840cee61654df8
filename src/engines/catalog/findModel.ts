/**
 * Where a Hub id is on disk, for loading: a complete copy in a models folder (ours, or the
 * extension's), else a snapshot in the Hugging Face cache of other tools. Never the network: a model
 * that is not found fails with where it was looked for and how to get it. A half-downloaded folder
 * is never loaded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SemanticFlowError } from '../../core/errors';
import type { Dtype } from '../../core/result';
import { DTYPE_SUFFIX } from '../onnx/modelFolder';
import { findHubSnapshot, hubCacheRoots } from './hubCache';
import { completeDtypes } from './localModels';
import { modelFolderFor } from './modelsDir';

/** Who reads the error, so its advice names what they can do: a setting and a command, or a flag. */
export type Audience = 'extension' | 'cli';

export interface FindModelOptions {
  /** Models folders to look in, in order. */
  modelsDirs: string[];
  /** Hugging Face cache roots (default: hubCacheRoots()). */
  hubRoots?: string[];
  audience: Audience;
}

const otherDtypeAdvice = (audience: Audience, dtypes: Dtype[]) =>
  audience === 'cli' ? `--dtype ${dtypes.join(' or --dtype ')}` : 'setting semanticFlow.dtype';
const downloadAdvice = (audience: Audience, hubId: string) =>
  audience === 'cli' ? `run semantic-flow models download ${hubId}` : 'choose it in "Semantic Flow: Select Model"';

/** Why a models-folder copy of `hubId` cannot load as `dtype`, or null when there is no such folder. */
function incompleteReason(hubId: string, dir: string, dtype: Dtype, audience: Audience): string | null {
  if (!['config.json', 'config.json.part', 'onnx'].some((f) => existsSync(join(dir, f)))) return null;
  const onnx = `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;
  const others = completeDtypes(dir).filter((d) => d !== dtype);
  const what =
    existsSync(join(dir, `${onnx}.part`)) || existsSync(join(dir, `${onnx}_data.part`))
      ? `its download was interrupted (${onnx} is still partial)`
      : ['config.json', 'tokenizer.json', onnx]
          .filter((f) => !existsSync(join(dir, f)))
          .map((f) => `${f} is missing`)
          .join(', ');
  return (
    `The model "${hubId}" in ${dir} is not complete for ${dtype}: ${what}. ` +
    (others.length ? `It is complete for ${others.join(', ')} (${otherDtypeAdvice(audience, others)}), or ` : '') +
    `${downloadAdvice(audience, hubId)} to download the rest (partial files are resumed).`
  );
}

/**
 * The folder to load `hubId` from with `dtype`; without a dtype, the first (in DTYPES order, fp32
 * first) the downloaded copy or the Hub cache snapshot is complete for.
 */
export function findHubModel(
  hubId: string,
  dtype: Dtype | undefined,
  o: FindModelOptions,
): { dir: string; dtype: Dtype } {
  const folders = o.modelsDirs.map((r) => modelFolderFor(r, hubId));
  for (const dir of folders) {
    const complete = completeDtypes(dir);
    const use = dtype ?? complete[0];
    if (use && complete.includes(use)) return { dir, dtype: use };
  }
  const hubRoots = o.hubRoots ?? hubCacheRoots();
  const snapshot = findHubSnapshot(hubId, hubRoots);
  if (snapshot) return { dir: snapshot, dtype: dtype ?? completeDtypes(snapshot)[0] ?? 'fp32' };
  const incomplete = folders
    .map((d) => incompleteReason(hubId, d, dtype ?? 'fp32', o.audience))
    .find((r) => r !== null);
  if (incomplete) throw new SemanticFlowError('model-not-found', incomplete);
  const local = o.audience === 'cli' ? 'pass a model folder' : 'choose a local folder';
  throw new SemanticFlowError(
    'model-not-found',
    `The model "${hubId}" is not on this machine (looked in ${[...o.modelsDirs, ...hubRoots].join(', ')}). ` +
      (o.audience === 'cli'
        ? `Run semantic-flow models download ${hubId}, or ${local}.`
        : `Choose it in "Semantic Flow: Select Model" to download it (catalog models), run semantic-flow models download ${hubId}, or ${local}.`),
  );
}
