/**
 * Downloads a catalog model into `<destRoot>/<owner>/<name>`: files already complete are skipped,
 * `.part` files are resumed, progress is reported in bytes per file and overall, and the folder is
 * checked with inspectModelFolder at the end so an unusable download fails here, not at load time.
 */
import { existsSync, statSync } from 'node:fs';
import { rmdir, unlink } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SemanticFlowError, isSemanticFlowError } from '../../core/errors';
import type { Dtype } from '../../core/result';
import { inspectModelFolder } from '../onnx/modelFolder';
import { catalogFiles, entryFor, type CatalogEntry } from './catalog';
import { cancelled, hostOf, httpStatus, type FileContext } from './downloadErrors';
import { DownloadAborted, fetchFile, partialFilesOf } from './fetchFile';
import { formatBytes } from '../../core/units';
import { modelFolderFor } from './modelsDir';
import { proxiedFetch, proxyFor, redactedProxy } from './proxy';

export { listLocalModels, type LocalModel } from './localModels';

/** The Hub every download defaults to. */
export const HUB_HOST = 'https://huggingface.co';

/**
 * Where a download of `idOrName` comes from: its catalog entry (or the standard layout for another Hub
 * id), the Hub (`host`, else $HF_ENDPOINT, else huggingface.co) and the proxy to reach it (proxyFor).
 */
export function downloadSource(
  idOrName: string,
  o: { host?: string; explicitProxy?: string; env: NodeJS.ProcessEnv },
): { entry: CatalogEntry; host: string | undefined; proxy: string | null } {
  const entry = entryFor(idOrName);
  const host = o.host || o.env.HF_ENDPOINT || undefined;
  return { entry, host, proxy: proxyFor(host ?? HUB_HOST, { explicit: o.explicitProxy, env: o.env }) };
}

export interface DownloadProgress {
  /** Repository path of the file being fetched. */
  file: string;
  loadedBytes: number;
  /** null until the server announces the size. */
  totalBytes: number | null;
  /** Never decreases. */
  overallLoaded: number;
  /** Exact once every file's size is known; until then files not yet started count at their catalog estimate. */
  overallTotal: number;
  /** The file is whole and being read back for its sha256: loadedBytes are the bytes hashed of totalBytes. */
  verifying?: boolean;
}

/**
 * Which step an event belongs to: a file's fetch and its sha256 check are two, so progress shown at a
 * limited rate (the CLI bar, the worker's messages) shows the first event of each at once.
 */
export const downloadStep = (p: DownloadProgress): string => `${p.verifying ? 'verify' : 'fetch'} ${p.file}`;

export interface DownloadOptions {
  destRoot: string;
  dtype: Dtype;
  host?: string;
  revision?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
  /** HTTP proxy for every request (see proxy.ts proxyFor); ignored when fetchImpl is given. */
  proxy?: string | null;
  /** Delete `.part` files on cancel instead of keeping them for a resume. */
  cleanupOnCancel?: boolean;
  /** Abort a file when no byte arrives for this long (default 60 s). */
  stallTimeoutMs?: number;
  /** Refuse before downloading when the catalog size exceeds this (default half the machine's memory). */
  maxModelBytes?: number;
}

/** Downloads `entry` for `dtype` and returns the model folder. */
export async function downloadModel(entry: CatalogEntry, o: DownloadOptions): Promise<string> {
  const { dtype, host = HUB_HOST, revision = 'main' } = o;
  const fetchImpl = o.fetchImpl ?? (o.proxy ? proxiedFetch(o.proxy) : fetch);
  const dir = modelFolderFor(o.destRoot, entry.id);
  const files = catalogFiles(entry, dtype);
  const limit = o.maxModelBytes ?? Math.floor(totalmem() / 2);
  const approx = entry.dtypes[dtype]?.approxBytes ?? 0;
  if (approx > limit) {
    throw new SemanticFlowError(
      'too-large',
      `${entry.id} (${dtype}) is about ${formatBytes(approx)}, more than the ${formatBytes(limit)} this machine can load safely; choose a smaller model or --dtype q8.`,
    );
  }
  const base = host.replace(/\/+$/, '');
  const shownHost = hostOf(base);
  // Per file: bytes counted so far, and the size (known, or estimated until its response arrives).
  const loaded = new Map<string, number>();
  const size = new Map<string, { bytes: number; known: boolean }>();
  for (const f of files) {
    const path = join(dir, f.path);
    if (existsSync(path)) size.set(f.path, { bytes: statSync(path).size, known: true });
    else size.set(f.path, { bytes: f.path.endsWith('.onnx') ? approx : 0, known: false });
  }
  let overallMax = 0;
  const emit = (file: string, verified?: number) => {
    let overallLoaded = 0,
      overallTotal = 0;
    for (const f of files) {
      const l = loaded.get(f.path) ?? 0;
      const s = size.get(f.path)!;
      overallLoaded += l;
      overallTotal += s.known ? s.bytes : Math.max(s.bytes, l);
    }
    overallMax = Math.max(overallMax, overallLoaded);
    const s = size.get(file)!;
    o.onProgress?.({
      file,
      loadedBytes: verified ?? loaded.get(file) ?? 0,
      totalBytes: s.known ? s.bytes : null,
      overallLoaded: overallMax,
      overallTotal: Math.max(overallTotal, overallMax),
      ...(verified === undefined ? {} : { verifying: true }),
    });
  };

  try {
    for (const f of files) {
      if (o.signal?.aborted) throw new DownloadAborted();
      const dest = join(dir, f.path);
      const ctx: FileContext = { id: entry.id, file: f.path, host: shownHost, revision, dir };
      if (existsSync(dest)) {
        loaded.set(f.path, statSync(dest).size);
        emit(f.path);
        continue;
      }
      const url = `${base}/${entry.id}/resolve/${encodeURIComponent(revision)}/${f.path}`;
      const r = await fetchFile({
        url,
        dest,
        ctx,
        fetchImpl,
        signal: o.signal,
        stallTimeoutMs: o.stallTimeoutMs,
        onBytes: (l, t) => {
          loaded.set(f.path, l);
          if (t !== null) size.set(f.path, { bytes: t, known: true });
          emit(f.path);
        },
        onVerify: (hashed, total) => {
          loaded.set(f.path, total);
          size.set(f.path, { bytes: total, known: true });
          emit(f.path, hashed);
        },
      });
      if (r.status === 'not-found') {
        if (!f.optional) throw httpStatus(ctx, 404);
        size.set(f.path, { bytes: 0, known: true });
        loaded.set(f.path, 0);
        continue;
      }
      size.set(f.path, { bytes: r.bytes, known: true });
      loaded.set(f.path, r.bytes);
      emit(f.path);
    }
  } catch (e) {
    const aborted = e instanceof DownloadAborted || (isSemanticFlowError(e) && e.code === 'cancelled');
    if (aborted && o.cleanupOnCancel)
      await removeParts(
        dir,
        files.map((f) => f.path),
      );
    await removeEmptyFolders(
      dir,
      o.destRoot,
      files.map((f) => f.path),
    );
    if (o.proxy && !o.fetchImpl && isSemanticFlowError(e) && e.code === 'server-unreachable') {
      throw new SemanticFlowError(
        e.code,
        `${e.message} Downloads go through the proxy ${redactedProxy(o.proxy)} (VS Code's http.proxy, or HTTPS_PROXY / HTTP_PROXY): check that it is reachable, or set NO_PROXY for the Hub.`,
        { cause: e },
      );
    }
    if (!aborted) throw e;
    throw cancelled(entry.id, dir, o.cleanupOnCancel === true);
  }
  try {
    inspectModelFolder(dir, dtype, { maxModelBytes: o.maxModelBytes });
  } catch (e) {
    if (!isSemanticFlowError(e)) throw e;
    throw new SemanticFlowError(
      e.code,
      `${entry.id} was downloaded to ${dir}, but the folder is not a usable model: ${e.message}`,
      { cause: e },
    );
  }
  return dir;
}

/**
 * The folders a failed download created and left empty (onnx/, the model's, its owner's), deepest
 * first; a folder holding anything (a .part to resume, another model) stays, and so does the root.
 */
async function removeEmptyFolders(dir: string, root: string, files: string[]): Promise<void> {
  const inside = new Set(files.map((f) => dirname(join(dir, f))).filter((d) => d !== dir));
  for (const d of [...[...inside].sort((a, b) => b.length - a.length), dir, dirname(dir)]) {
    if (resolve(d) === resolve(root)) continue;
    await rmdir(d).catch(() => {});
  }
}

async function removeParts(dir: string, files: string[]): Promise<void> {
  for (const f of files) for (const p of partialFilesOf(join(dir, f))) await unlink(p).catch(() => {});
}
