/**
 * Writes (once) a copy of a model folder whose ONNX file carries the fused measure subgraph, so that
 * transformers.js loads it like any model folder. The copy lives in a cache folder keyed by the source
 * file's path, size and modification time and the fuse version; it is never written inside the model
 * folder or the extension.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { FUSE_VERSION, fuseScorer } from './fusedScorer';
import type { ModelFolder } from './modelFolder';

export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.SEMANTIC_FLOW_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'semantic-flow');
}

/** Folder of the fused copy (created if missing), or null when the model cannot be fused. */
export function fusedModelFolder(folder: ModelFolder, vocabSize: number, cacheDir: string, log?: (m: string) => void): string | null {
  const onnxDir = join(folder.dir, 'onnx');
  if (readdirSync(onnxDir).some((f) => /\.onnx_data|\.onnx\.data/.test(f))) return null; // external data: not handled
  const st = statSync(folder.onnxFile);
  const key = createHash('sha256').update(`${FUSE_VERSION}\n${folder.onnxFile}\n${st.size}\n${st.mtimeMs}`).digest('hex').slice(0, 16);
  const target = join(cacheDir, 'fused', `${basename(folder.dir)}-${key}`);
  const onnxTarget = join(target, 'onnx', basename(folder.onnxFile));
  if (existsSync(onnxTarget)) return target;
  let fused: Uint8Array;
  try {
    fused = fuseScorer(readFileSync(folder.onnxFile), vocabSize);
  } catch (e) {
    log?.(`measures will be computed in JavaScript: ${(e as Error).message}`);
    return null;
  }
  mkdirSync(join(target, 'onnx'), { recursive: true });
  for (const f of readdirSync(folder.dir)) {
    if (f.endsWith('.json')) copyFileSync(join(folder.dir, f), join(target, f));
  }
  const tmp = `${onnxTarget}.${process.pid}.tmp`;
  writeFileSync(tmp, fused);
  renameSync(tmp, onnxTarget); // atomic: a concurrent reader never sees half a file
  return target;
}
