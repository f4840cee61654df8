/** downloadModel against a local imitation of the Hub serving the tiny-gpt2 fixture. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadModel, listLocalModels, type DownloadProgress } from '../../src/engines/catalog/download';
import type { CatalogEntry } from '../../src/engines/catalog/catalog';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { closedPort, startFakeHub, type FakeHub } from '../fixtures/hub/fakeHub';

const TINY = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const ONNX = 'onnx/model.onnx';
const SOURCE = readFileSync(join(TINY, ONNX));
const FILES = ['config.json', 'generation_config.json', 'tokenizer_config.json', 'tokenizer.json', ONNX];
const TOTAL = FILES.reduce((n, f) => n + statSync(join(TINY, f)).size, 0);

const entry: CatalogEntry = {
  id: 'test-org/tiny-gpt2',
  label: 'tiny',
  parameters: 1e5,
  licence: 'MIT',
  chatTemplate: false,
  contextWindow: 256,
  dtypes: { fp32: { approxBytes: 150_000 }, q8: { approxBytes: 90_000 } },
};
const tmp = mkdtempSync(join(tmpdir(), 'sf-download-'));
let n = 0;
const freshRoot = () => join(tmp, `root${n++}`);
const hubs: FakeHub[] = [];
const hub = async (o: Omit<Parameters<typeof startFakeHub>[0], 'root'> & { root?: string } = {}) => {
  const h = await startFakeHub({ root: TINY, ...o });
  hubs.push(h);
  return h;
};
after(() => Promise.all(hubs.map((h) => h.close())));
const partsIn = (dir: string): string[] =>
  [dir, join(dir, 'onnx')].flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.part')) : []));

test('full download: files equal the source, progress is monotonic and reaches the total, the model loads', async () => {
  const h = await hub();
  const events: DownloadProgress[] = [];
  const root = freshRoot();
  const dir = await downloadModel(entry, {
    destRoot: root,
    dtype: 'fp32',
    host: h.url,
    onProgress: (p) => events.push(p),
  });
  assert.equal(dir, join(root, 'test-org', 'tiny-gpt2'));
  for (const f of FILES) assert.deepEqual(readFileSync(join(dir, f)), readFileSync(join(TINY, f)), f);
  assert.deepEqual(partsIn(dir), []);
  assert.deepEqual(
    h.requests.map((r) => [r.repo, r.file, r.range]),
    FILES.map((f) => ['test-org/tiny-gpt2', f, null]),
  );
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].overallLoaded >= events[i - 1].overallLoaded, `overall went back at event ${i}`);
    assert.ok(events[i].overallLoaded <= events[i].overallTotal);
    if (events[i].file === events[i - 1].file) assert.ok(events[i].loadedBytes >= events[i - 1].loadedBytes);
  }
  const last = events.at(-1)!;
  assert.equal(last.overallLoaded, TOTAL);
  assert.equal(last.overallTotal, TOTAL);
  const onnxEvents = events.filter((e) => e.file === ONNX);
  assert.equal(onnxEvents.at(-1)!.loadedBytes, SOURCE.length);
  assert.equal(onnxEvents.at(-1)!.totalBytes, SOURCE.length);

  const model = await OnnxModel.load({ modelDir: dir });
  try {
    const r = await model.analyze('Hello world', { topK: 1 });
    assert.ok(r.tokens.length > 0 && Number.isFinite(r.summary.totalBits));
  } finally {
    await model.dispose();
  }

  // A second download finds every file complete and asks the server for nothing.
  const h2 = await hub();
  const again: DownloadProgress[] = [];
  assert.equal(
    await downloadModel(entry, { destRoot: root, dtype: 'fp32', host: h2.url, onProgress: (p) => again.push(p) }),
    dir,
  );
  assert.equal(h2.requests.length, 0);
  assert.equal(again.at(-1)!.overallLoaded, TOTAL);

  const [local] = listLocalModels(root);
  assert.deepEqual(
    { id: local.id, dtypes: local.dtypes, partial: local.partial, bytes: local.bytes, ctx: local.contextWindow },
    { id: 'test-org/tiny-gpt2', dtypes: ['fp32'], partial: false, bytes: TOTAL, ctx: 256 },
  );
});

test('a connection dropped half-way through the ONNX file leaves a .part; the next call resumes it with a Range request', async () => {
  const half = Math.floor(SOURCE.length / 2);
  const h = await hub({ dropAfter: { file: ONNX, bytes: half } });
  const root = freshRoot();
  const dir = join(root, 'test-org', 'tiny-gpt2');
  await assert.rejects(
    downloadModel(entry, { destRoot: root, dtype: 'fp32', host: h.url }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'server-error');
      assert.match(
        e.message,
        /The download of onnx\/model\.onnx for test-org\/tiny-gpt2 from 127\.0\.0\.1:\d+ stopped after \d+ of 195080 bytes .*run the download again to resume/,
      );
      return true;
    },
  );
  const part = join(dir, `${ONNX}.part`);
  const partBytes = statSync(part).size;
  assert.ok(partBytes > 0 && partBytes <= half, `part has ${partBytes} bytes`);
  assert.deepEqual(readFileSync(part), SOURCE.subarray(0, partBytes));
  assert.ok(!existsSync(join(dir, ONNX)));

  const events: DownloadProgress[] = [];
  h.requests.length = 0;
  await downloadModel(entry, { destRoot: root, dtype: 'fp32', host: h.url, onProgress: (p) => events.push(p) });
  assert.deepEqual(
    h.requests.map((r) => [r.file, r.range]),
    [[ONNX, `bytes=${partBytes}-`]],
  );
  assert.deepEqual(readFileSync(join(dir, ONNX)), SOURCE);
  assert.deepEqual(partsIn(dir), []);
  const onnx = events.filter((e) => e.file === ONNX);
  assert.equal(onnx[0].loadedBytes, partBytes); // resumed, not restarted
  assert.equal(events.at(-1)!.overallLoaded, TOTAL);
});

test('a server that ignores Range (200) restarts the file from zero; a complete .part (416) is just renamed', async () => {
  const root = freshRoot();
  const dir = join(root, 'test-org', 'tiny-gpt2');
  const h1 = await hub({ dropAfter: { file: ONNX, bytes: 50_000 } });
  await assert.rejects(downloadModel(entry, { destRoot: root, dtype: 'fp32', host: h1.url }));
  const h2 = await hub({ ignoreRange: true });
  const events: DownloadProgress[] = [];
  await downloadModel(entry, { destRoot: root, dtype: 'fp32', host: h2.url, onProgress: (p) => events.push(p) });
  assert.match(h2.requests[0].range ?? '', /^bytes=\d+-$/);
  assert.deepEqual(readFileSync(join(dir, ONNX)), SOURCE);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].overallLoaded >= events[i - 1].overallLoaded);

  // A .part holding the whole file: the server answers 416 with the size, nothing is re-downloaded.
  const root2 = freshRoot();
  const dir2 = join(root2, 'test-org', 'tiny-gpt2');
  const h3 = await hub();
  await downloadModel(entry, { destRoot: root2, dtype: 'fp32', host: h3.url });
  const { renameSync } = await import('node:fs');
  renameSync(join(dir2, ONNX), join(dir2, `${ONNX}.part`));
  h3.requests.length = 0;
  await downloadModel(entry, { destRoot: root2, dtype: 'fp32', host: h3.url });
  assert.deepEqual(
    h3.requests.map((r) => r.range),
    [`bytes=${SOURCE.length}-`],
  );
  assert.deepEqual(readFileSync(join(dir2, ONNX)), SOURCE);
});

for (const cleanupOnCancel of [false, true]) {
  test(`cancel through the AbortSignal ${cleanupOnCancel ? 'removes' : 'keeps'} the .part files`, async () => {
    const h = await hub({ hangAfter: { file: ONNX, bytes: 40_000 } });
    const root = freshRoot();
    const dir = join(root, 'test-org', 'tiny-gpt2');
    const ac = new AbortController();
    const onProgress = (p: DownloadProgress) => {
      if (p.file === ONNX && p.loadedBytes >= 40_000) ac.abort();
    };
    await assert.rejects(
      downloadModel(entry, {
        destRoot: root,
        dtype: 'fp32',
        host: h.url,
        signal: ac.signal,
        onProgress,
        cleanupOnCancel,
      }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'cancelled');
        assert.match(
          e.message,
          cleanupOnCancel
            ? /^The download of test-org\/tiny-gpt2 was cancelled; its partial files were removed\.$/
            : /partial files are kept in .*the next download of test-org\/tiny-gpt2 resumes them/,
        );
        return true;
      },
    );
    assert.deepEqual(partsIn(dir), cleanupOnCancel ? [] : ['model.onnx.part']);
    if (!cleanupOnCancel) assert.equal(statSync(join(dir, `${ONNX}.part`)).size, 40_000);
    assert.ok(existsSync(join(dir, 'tokenizer.json'))); // completed files stay either way
  });
}

test('a missing file names the file and the repository; a missing optional file is skipped', async () => {
  const h = await hub();
  await assert.rejects(
    downloadModel(entry, { destRoot: freshRoot(), dtype: 'q4', host: h.url }),
    /test-org\/tiny-gpt2 has no q4 export in the catalog; choose --dtype fp32 or q8/,
  );
  const withQ4: CatalogEntry = { ...entry, dtypes: { q4: { approxBytes: 0 } } };
  await assert.rejects(
    downloadModel(withQ4, { destRoot: freshRoot(), dtype: 'q4', host: h.url }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'model-not-found');
      assert.match(
        e.message,
        /^127\.0\.0\.1:\d+ has no file onnx\/model_q4\.onnx in the repository test-org\/tiny-gpt2 at revision main \(HTTP 404\)/,
      );
      return true;
    },
  );
  const extra: CatalogEntry = {
    ...entry,
    dtypes: { q8: { approxBytes: 0, externalData: [{ path: 'onnx/model_quantized.onnx_data', optional: true }] } },
  };
  const dir = await downloadModel(extra, { destRoot: freshRoot(), dtype: 'q8', host: h.url });
  assert.ok(existsSync(join(dir, 'onnx', 'model_quantized.onnx')));
  assert.ok(!existsSync(join(dir, 'onnx', 'model_quantized.onnx_data')));
});

test('an unreachable host is server-unreachable with the offline hint; a gated repository says so', async () => {
  const port = await closedPort();
  await assert.rejects(
    downloadModel(entry, { destRoot: freshRoot(), dtype: 'fp32', host: `http://127.0.0.1:${port}` }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'server-unreachable');
      assert.equal(
        e.message,
        `Could not reach 127.0.0.1:${port} to download test-org/tiny-gpt2 (offline?). The built-in model semantic-flow-mini works offline.`,
      );
      return true;
    },
  );
  const h = await hub({ repoStatus: { 'test-org/tiny-gpt2': 401 } });
  await assert.rejects(
    downloadModel(entry, { destRoot: freshRoot(), dtype: 'fp32', host: h.url }),
    /test-org\/tiny-gpt2 is gated or private on 127\.0\.0\.1:\d+ \(HTTP 401 for config\.json\)/,
  );
});

test('a download whose ONNX file is not a model fails once, naming the folder', async () => {
  const bad = join(tmp, 'bad-hub');
  cpSync(TINY, bad, { recursive: true });
  writeFileSync(join(bad, ONNX), 'not an onnx model, just text');
  const h = await hub({ root: bad });
  await assert.rejects(
    downloadModel(entry, { destRoot: freshRoot(), dtype: 'fp32', host: h.url }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'model-corrupt');
      assert.match(
        e.message,
        /^test-org\/tiny-gpt2 was downloaded to .*tiny-gpt2, but the folder is not a usable model: .*model\.onnx is not a valid ONNX model/,
      );
      return true;
    },
  );
});

test('a catalog size over the memory limit is refused before any request', async () => {
  const h = await hub();
  await assert.rejects(
    downloadModel(entry, { destRoot: freshRoot(), dtype: 'fp32', host: h.url, maxModelBytes: 100_000 }),
    /test-org\/tiny-gpt2 \(fp32\) is about 150 kB, more than the 100 kB this machine can load safely/,
  );
  assert.equal(h.requests.length, 0);
});

test('a server that stops sending mid-file is abandoned after the stall timeout, keeping the .part', async () => {
  const h = await hub({ hangAfter: { file: ONNX, bytes: 30_000 } });
  const root = freshRoot();
  await assert.rejects(
    downloadModel(entry, { destRoot: root, dtype: 'fp32', host: h.url, stallTimeoutMs: 300 }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'server-error');
      assert.match(
        e.message,
        /onnx\/model\.onnx for test-org\/tiny-gpt2 .* stopped after 30000 of 195080 bytes \(no data for 0\.3 s\); run the download again/,
      );
      return true;
    },
  );
  assert.equal(statSync(join(root, 'test-org', 'tiny-gpt2', `${ONNX}.part`)).size, 30_000);
});
