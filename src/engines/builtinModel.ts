/** Where the built-in model lives: `models/semantic-flow-mini` in the package (repository or .vsix). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Dtype } from '../core/result';

export const BUILTIN_MODEL_NAME = 'semantic-flow-mini';

/** The package root: the nearest folder above `from` whose package.json is Semantic Flow's. */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'semantic-flow') return dir;
      } catch {
        /* keep looking */
      }
    }
    if (dirname(dir) === dir) throw new Error(`Semantic Flow's package.json was not found above ${from}.`);
  }
}

export const builtinModelDir = (root: string = packageRoot()): string => join(root, 'models', BUILTIN_MODEL_NAME);

/**
 * The dtype the built-in model loads when the user chose none: fp32 where its folder holds
 * onnx/model.onnx (the repository), else q8 (the .vsix ships only onnx/model_quantized.onnx).
 */
export function builtinDefaultDtype(dir: string = builtinModelDir()): Dtype {
  if (existsSync(join(dir, 'onnx', 'model.onnx'))) return 'fp32';
  if (existsSync(join(dir, 'onnx', 'model_quantized.onnx'))) return 'q8';
  return 'fp32'; // neither: loading fp32 reports the missing file with the dtypes the folder does have
}

/** The dtype to load the built-in model with: the user's choice when there is one, else builtinDefaultDtype. */
export function resolveBuiltinDtype(chosen: Dtype | undefined, dir: string = builtinModelDir()): Dtype {
  return chosen ?? builtinDefaultDtype(dir);
}
