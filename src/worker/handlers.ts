/**
 * The worker's request handlers: each gets the shared model from the ModelHost and runs one core
 * function; `download` fetches a Hub model into a models folder (the only request that uses the network
 * for a local model).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyzeOptions } from '../core/analyze';
import { catalogFiles } from '../engines/catalog/catalog';
import {
  HUB_HOST,
  downloadModel,
  downloadSource,
  downloadStep,
  type DownloadProgress,
} from '../engines/catalog/download';
import { redactedProxy } from '../engines/catalog/proxy';
import { redoOnCpu } from '../engines/onnx/deviceFailure';
import type { Handlers, HandlerContext } from './dispatcher';
import type { Features } from './features';
import type { ModelHost } from './modelHost';
import { PrefixCaches } from './prefixCaches';
import { servingHandlers } from './serving';
import type { DownloadParams, DownloadResult, Progress, ScoreOptions } from './protocol';

/** AnalyzeOptions for one request: its options, signal and progress reporting. */
export function analyzeOptions(
  o: ScoreOptions,
  ctx: HandlerContext,
  source?: AnalyzeOptions['source'],
): AnalyzeOptions {
  return {
    topK: o.topK,
    chunkSize: o.chunkSize,
    units: o.units,
    signal: ctx.signal,
    source,
    onProgress: (p) => ctx.progress({ stage: 'score', done: p.doneTokens, total: p.totalTokens, unit: 'tokens' }),
  };
}

/** The minimum interval between two download progress messages for the same file (ms). */
export const DOWNLOAD_PROGRESS_MS = 100;

/**
 * DownloadProgress → protocol Progress, at most one message per DOWNLOAD_PROGRESS_MS; the first and the
 * last (complete) event of each file go at once, and a held-back event is sent when the interval ends,
 * so a stalled file still shows its latest byte count. `stop()` drops what is held back.
 */
export function downloadProgress(
  model: string,
  post: (p: Progress) => void,
  now: () => number = Date.now,
): { update(p: DownloadProgress): void; stop(): void } {
  let lastStep = '';
  let lastAt = -Infinity;
  let held: DownloadProgress | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const send = (q: DownloadProgress): void => {
    clearTimeout(timer);
    timer = undefined;
    held = null;
    lastStep = downloadStep(q);
    lastAt = now();
    post({
      stage: 'download',
      model,
      file: q.file,
      done: q.overallLoaded,
      total: q.overallTotal,
      fileDone: q.loadedBytes,
      fileTotal: q.totalBytes,
      ...(q.verifying ? { verifying: true } : {}),
    });
  };
  return {
    update(q) {
      const fileDone = q.totalBytes !== null && q.loadedBytes >= q.totalBytes;
      const wait = DOWNLOAD_PROGRESS_MS - (now() - lastAt);
      if (downloadStep(q) !== lastStep || fileDone || wait <= 0) return send(q);
      held = q;
      timer ??= setTimeout(() => {
        if (held) send(held);
      }, wait);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      held = null;
    },
  };
}

/**
 * The `download` request: the catalog entry for the id (or the standard layout for another Hub id),
 * fetched by downloadModel with the request's abort signal. The Hub is `host`, else $HF_ENDPOINT.
 */
export async function download(
  p: DownloadParams,
  ctx: HandlerContext,
  fetchModel: typeof downloadModel = downloadModel,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DownloadResult> {
  const { entry, host, proxy } = downloadSource(p.hubId, { host: p.host, explicitProxy: p.proxy, env });
  if (entry.adHoc)
    ctx.log('info', `${entry.id} is not in the catalog; trying the standard transformers.js layout (onnx/model*.onnx)`);
  ctx.log(
    'info',
    `downloading ${entry.id} (${p.dtype}) from ${host ?? HUB_HOST} into ${p.destRoot}${proxy ? ` through the proxy ${redactedProxy(proxy)}` : ''}`,
  );
  const progress = downloadProgress(entry.id, (q) => ctx.progress(q));
  let dir: string;
  try {
    dir = await fetchModel(entry, {
      destRoot: p.destRoot,
      dtype: p.dtype,
      host,
      revision: p.revision,
      signal: ctx.signal,
      cleanupOnCancel: p.cleanupOnCancel,
      proxy,
      onProgress: (q) => progress.update(q),
    });
  } finally {
    progress.stop();
  }
  const files = catalogFiles(entry, p.dtype)
    .map((f) => join(dir, f.path))
    .filter((f) => existsSync(f));
  return { hubId: entry.id, dtype: p.dtype, dir, bytes: files.reduce((n, f) => n + statSync(f).size, 0) };
}

export function createHandlers(
  host: ModelHost,
  features: Features,
  fetchModel: typeof downloadModel = downloadModel,
  prefixCaches = new PrefixCaches(),
): Handlers {
  const after = <T>(p: Promise<T>): Promise<T> => p.finally(() => host.idle());
  // Downloads run beside the model queue (protocol INDEPENDENT_METHODS); two of the same model into the
  // same folder would write the same .part files, so those still take turns.
  const downloads = new Map<string, Promise<unknown>>();
  const oneAtATime = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const turn = (downloads.get(key) ?? Promise.resolve()).then(run);
    const settled = turn.catch(() => undefined);
    downloads.set(key, settled);
    void settled.then(() => {
      if (downloads.get(key) === settled) downloads.delete(key);
    });
    return turn;
  };
  return {
    ...servingHandlers(host),
    load: (p, ctx) => after(host.get(p.engine, ctx, 'load').then((m) => m.info)),
    download: (p, ctx) => oneAtATime(`${p.destRoot}|${p.hubId.toLowerCase()}`, () => download(p, ctx, fetchModel)),
    unload: async () => {
      prefixCaches.clear();
      await host.unload();
      return null;
    },
    analyze: (p, ctx) =>
      after(
        host.get(p.engine, ctx, 'analyze').then((m) =>
          m.analyze(p.text, {
            ...analyzeOptions(p.options, ctx, p.source),
            // Live mode: the document's previous analysis lends the KV cache of the unchanged prefix.
            prefixCache: p.options.reusePrefix && p.source ? prefixCaches.for(p.source.uri) : undefined,
          }),
        ),
      ),
    // A GPU that fails in the middle of one of these moves its model to the CPU, and the analysis is redone there.
    di: (p, ctx) => after(host.get(p.engine, ctx, 'di').then((m) => redoOnCpu(() => features.di(m, p, ctx)))),
    flow: (p, ctx) => after(host.get(p.engine, ctx, 'flow').then((m) => redoOnCpu(() => features.flow(m, p, ctx)))),
    generate: (p, ctx) =>
      after(host.get(p.engine, ctx, 'generate').then((m) => redoOnCpu(() => features.generate(m, p, ctx)))),
    dialogue: (p, ctx) =>
      after(host.get(p.engine, ctx, 'dialogue').then((m) => redoOnCpu(() => features.dialogue(m, p, ctx)))),
    // The reference is the engine's model in fp32 (a q8 choice reloads as fp32; the status bar shows it).
    rateDistortion: (p, ctx) =>
      after(
        host
          .get(p.engine.kind === 'onnx' ? { ...p.engine, dtype: 'fp32' } : p.engine, ctx, 'rateDistortion')
          .then((m) => redoOnCpu(() => features.rateDistortion(m, p, ctx))),
      ),
    compare: (p, ctx) =>
      after(
        (async () => {
          const a = await host.get(p.engine, ctx, 'compare');
          const b = await host.getSecondary(p.engineB, ctx);
          return redoOnCpu(() => features.compare(a, b, p, ctx));
        })(),
      ),
  };
}
