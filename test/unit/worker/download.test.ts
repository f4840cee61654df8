/** The worker's `download` handler: which Hub, which entry, progress throttling, the result's byte count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CatalogEntry } from '../../../src/engines/catalog/catalog';
import type { DownloadOptions, DownloadProgress } from '../../../src/engines/catalog/download';
import type { HandlerContext } from '../../../src/worker/dispatcher';
import { DOWNLOAD_PROGRESS_MS, download, downloadProgress } from '../../../src/worker/handlers';
import type { Progress } from '../../../src/worker/protocol';

const ev = (
  file: string,
  loadedBytes: number,
  totalBytes: number | null,
  overallLoaded: number,
  overallTotal: number,
): DownloadProgress => ({ file, loadedBytes, totalBytes, overallLoaded, overallTotal });

function context(signal = new AbortController().signal): HandlerContext & { progressSeen: Progress[]; logs: string[] } {
  const progressSeen: Progress[] = [];
  const logs: string[] = [];
  return { signal, progressSeen, logs, progress: (p) => progressSeen.push(p), log: (_l, m) => logs.push(m) };
}

/** A downloadModel stand-in that writes the files of `entry` with the given sizes and reports them. */
function fakeDownload(sizes: Record<string, number>, calls: { entry: CatalogEntry; o: DownloadOptions }[]) {
  return async (entry: CatalogEntry, o: DownloadOptions): Promise<string> => {
    calls.push({ entry, o });
    const dir = join(o.destRoot, ...entry.id.split('/'));
    let overall = 0;
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    for (const [f, n] of Object.entries(sizes)) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), Buffer.alloc(n));
      overall += n;
      o.onProgress?.(ev(f, n, n, overall, total));
    }
    return dir;
  };
}

/** downloadProgress for model o/m on a clock the test moves, and what it posted. */
function clockedProgress() {
  const clock = { now: 1000 };
  const posted: Progress[] = [];
  const p = downloadProgress(
    'o/m',
    (q) => posted.push(q),
    () => clock.now,
  );
  return { clock, posted, p };
}

test('progress: the first and the complete event of each file go at once, others at most every DOWNLOAD_PROGRESS_MS', () => {
  const { clock, posted, p } = clockedProgress();
  p.update(ev('config.json', 0, 10, 0, 110));
  p.update(ev('config.json', 10, 10, 10, 110)); // complete: at once
  p.update(ev('onnx/model.onnx', 0, 100, 10, 110)); // a new file: at once
  clock.now += 10;
  p.update(ev('onnx/model.onnx', 20, 100, 30, 110)); // held back
  clock.now += DOWNLOAD_PROGRESS_MS;
  p.update(ev('onnx/model.onnx', 60, 100, 70, 110)); // interval over
  p.update(ev('onnx/model.onnx', 100, 100, 110, 110)); // complete
  p.stop();
  assert.deepEqual(
    posted.map((q) => q.stage === 'download' && [q.file, q.fileDone, q.fileTotal, q.done, q.total]),
    [
      ['config.json', 0, 10, 0, 110],
      ['config.json', 10, 10, 10, 110],
      ['onnx/model.onnx', 0, 100, 10, 110],
      ['onnx/model.onnx', 60, 100, 70, 110],
      ['onnx/model.onnx', 100, 100, 110, 110],
    ],
  );
  assert.ok(posted.every((q) => q.stage === 'download' && q.model === 'o/m'));
});

test('progress: the sha256 check of a whole file is a step of its own: its first event goes at once and is marked verifying', () => {
  const { clock, posted, p } = clockedProgress();
  const verify = (hashed: number): DownloadProgress => ({
    ...ev('onnx/model.onnx', hashed, 100, 100, 100),
    verifying: true,
  });
  p.update(ev('onnx/model.onnx', 100, 100, 100, 100)); // fetched
  clock.now += 1;
  p.update(verify(0)); // the check starts: at once, though the same file
  clock.now += 1;
  p.update(verify(40)); // held back
  p.update(verify(100)); // checked
  p.stop();
  assert.deepEqual(
    posted.map((q) => q.stage === 'download' && [q.fileDone, q.verifying ?? false]),
    [
      [100, false],
      [0, true],
      [100, true],
    ],
  );
});

test('progress: a held-back event is sent when the interval ends (a stalled file shows its latest bytes); stop() drops it', async () => {
  const posted: Progress[] = [];
  const p = downloadProgress('o/m', (q) => posted.push(q));
  p.update(ev('onnx/model.onnx', 0, 100, 0, 100));
  p.update(ev('onnx/model.onnx', 40, 100, 40, 100));
  p.update(ev('onnx/model.onnx', 50, 100, 50, 100));
  assert.equal(posted.length, 1);
  await sleep(DOWNLOAD_PROGRESS_MS + 50);
  assert.deepEqual(
    posted.map((q) => q.stage === 'download' && q.fileDone),
    [0, 50],
  );
  p.update(ev('onnx/model.onnx', 60, 100, 60, 100));
  p.stop();
  await sleep(DOWNLOAD_PROGRESS_MS + 50);
  assert.equal(posted.length, 2);
});

test('download: a catalog id uses its catalog entry, the Hub comes from host, else $HF_ENDPOINT, else the default', async () => {
  const destRoot = mkdtempSync(join(tmpdir(), 'sf-dl-unit-'));
  const calls: { entry: CatalogEntry; o: DownloadOptions }[] = [];
  const sizes = { 'config.json': 7, 'tokenizer.json': 11, 'onnx/model_quantized.onnx': 1000 };
  const fetchModel = fakeDownload(sizes, calls);
  const ctx = context();
  const r = await download(
    { hubId: 'Xenova/gpt2', dtype: 'q8', destRoot, host: 'http://127.0.0.1:9' },
    ctx,
    fetchModel,
    { HF_ENDPOINT: 'http://env:1' },
  );
  assert.deepEqual(r, { hubId: 'Xenova/gpt2', dtype: 'q8', dir: join(destRoot, 'Xenova', 'gpt2'), bytes: 1018 });
  assert.equal(calls[0].entry.licence, 'MIT');
  assert.equal(calls[0].entry.adHoc, undefined);
  assert.deepEqual(
    [calls[0].o.host, calls[0].o.dtype, calls[0].o.destRoot, calls[0].o.signal],
    ['http://127.0.0.1:9', 'q8', destRoot, ctx.signal],
  );
  const last = ctx.progressSeen.at(-1)!;
  assert.ok(last.stage === 'download' && last.done === 1018 && last.total === 1018 && last.model === 'Xenova/gpt2');

  await download({ hubId: 'gpt2', dtype: 'q8', destRoot }, context(), fetchModel, { HF_ENDPOINT: 'http://env:1' });
  assert.equal(calls[1].o.host, 'http://env:1');
  assert.equal(calls[1].entry.id, 'Xenova/gpt2', 'a catalog name resolves to its Hub id');
  await download({ hubId: 'Xenova/gpt2', dtype: 'q8', destRoot }, context(), fetchModel, {});
  assert.equal(calls[2].o.host, undefined, 'downloadModel then uses https://huggingface.co');
});

test('download: a Hub id outside the catalog is tried with the standard layout (and logged); a non-id is a bad argument', async () => {
  const destRoot = mkdtempSync(join(tmpdir(), 'sf-dl-unit-'));
  const calls: { entry: CatalogEntry; o: DownloadOptions }[] = [];
  const ctx = context();
  await download(
    { hubId: 'someone/tiny', dtype: 'fp32', destRoot },
    ctx,
    fakeDownload({ 'config.json': 1 }, calls),
    {},
  );
  assert.equal(calls[0].entry.adHoc, true);
  assert.ok(ctx.logs.some((l) => /someone\/tiny is not in the catalog/.test(l)));
  await assert.rejects(
    download({ hubId: '../etc', dtype: 'fp32', destRoot }, context(), fakeDownload({}, calls), {}),
    (e: Error & { code?: string }) => e.code === 'bad-argument',
  );
});

test('downloads of one model into one folder take turns; other models download at the same time', async () => {
  const { createHandlers } = await import('../../../src/worker/handlers');
  const running = new Set<string>();
  const overlaps: string[] = [];
  const fetchModel = async (entry: CatalogEntry, o: DownloadOptions): Promise<string> => {
    const key = `${o.destRoot}|${entry.id}`;
    if (running.has(key)) overlaps.push(key);
    for (const other of running) if (other !== key) overlaps.push(`${key} with ${other}`);
    running.add(key);
    await sleep(20);
    running.delete(key);
    return join(o.destRoot, ...entry.id.split('/'));
  };
  const handlers = createHandlers({} as never, {} as never, fetchModel as never);
  const destRoot = mkdtempSync(join(tmpdir(), 'sf-turns-'));
  const get = (hubId: string) => handlers.download({ hubId, dtype: 'q8', destRoot }, context());
  await Promise.all([get('Xenova/gpt2'), get('Xenova/gpt2'), get('xenova/GPT2'), get('Xenova/distilgpt2')]);
  // the same model never overlapped itself; the other model overlapped it (they ran side by side)
  assert.ok(overlaps.length > 0 && overlaps.every((o) => o.includes(' with ')), overlaps.join('; '));
});
