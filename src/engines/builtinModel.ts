/** Where the built-in model lives: `models/semantic-flow-mini` in the package (repository or .vsix). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
