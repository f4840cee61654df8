/** The model folders under a models root (`<root>/<owner>/<name>`), complete or half-downloaded. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dtype } from '../../core/result';
import { DTYPES, DTYPE_SUFFIX, contextWindowOf } from '../onnx/modelFolder';

export interface LocalModel {
  /** `owner/name`. */
  id: string;
  dir: string;
  /** dtypes whose ONNX file is present. */
  dtypes: Dtype[];
  /** Bytes on disk, `.part` files included (their `.part.etag` beside them not). */
  bytes: number;
  /** Some files are still `.part`: a download was interrupted or is running. */
  partial: boolean;
  /** From config.json, when readable. */
  contextWindow: number | null;
  /** tokenizer_config.json has a chat_template. */
  chatTemplate: boolean;
}

const dirsIn = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
};

function walk(dir: string, acc = { bytes: 0, partial: false }): { bytes: number; partial: boolean } {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) walk(p, acc);
    else if (d.isFile() || d.isSymbolicLink()) {
      // A part's ETag (fetchFile.ts) is the download's bookkeeping, not a model file.
      if (d.name.endsWith('.part.etag')) continue;
      // Hugging Face cache snapshots are links into blobs/: count the file they point at.
      acc.bytes += statSync(p, { throwIfNoEntry: false })?.size ?? 0;
      if (d.name.endsWith('.part')) acc.partial = true;
    }
  }
  return acc;
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * The dtypes a downloaded model folder can load with: config.json, tokenizer.json and the ONNX file
 * present (a download renames `<file>.part` only once it is whole), no external data still in `.part`.
 * The engine (findModel.ts) and Select Model both decide "downloaded" by this rule.
 */
export function completeDtypes(dir: string, exists: (path: string) => boolean = existsSync): Dtype[] {
  if (!['config.json', 'tokenizer.json'].every((f) => exists(join(dir, f)))) return [];
  return DTYPES.filter((d) => {
    const onnx = join(dir, 'onnx', `model${DTYPE_SUFFIX[d]}.onnx`);
    return exists(onnx) && !exists(`${onnx}_data.part`);
  });
}

/** What is on disk in one model folder. */
export function describeModelFolder(dir: string, id: string): LocalModel {
  const { bytes, partial } = walk(dir);
  const config = readJson(join(dir, 'config.json'));
  const tokConfig = readJson(join(dir, 'tokenizer_config.json'));
  return {
    id,
    dir,
    dtypes: DTYPES.filter((d) => existsSync(join(dir, 'onnx', `model${DTYPE_SUFFIX[d]}.onnx`))),
    bytes,
    partial,
    contextWindow: config ? contextWindowOf(config) : null,
    chatTemplate: typeof tokConfig?.chat_template === 'string' || Array.isArray(tokConfig?.chat_template),
  };
}

export function listLocalModels(destRoot: string): LocalModel[] {
  const out: LocalModel[] = [];
  for (const owner of dirsIn(destRoot)) {
    for (const name of dirsIn(join(destRoot, owner))) {
      const dir = join(destRoot, owner, name);
      if (!['config.json', 'config.json.part', 'onnx'].some((f) => existsSync(join(dir, f)))) continue;
      out.push(describeModelFolder(dir, `${owner}/${name}`));
    }
  }
  return out;
}
