/**
 * The engine process (src/worker/main.ts through tsx in a child process, as the extension runs
 * dist/worker.js) downloads a model from the fake Hub with the `download` request: byte progress, a
 * cancel mid-file that leaves nothing loadable, a resume, the offline message, and loading the
 * downloaded model by Hub id without the network.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SemanticFlowError } from '../../src/core/errors';
import { packageRoot } from '../../src/engines/builtinModel';
import { spawnEngineProcess } from '../../src/worker/childProcess';
import { WorkerClient } from '../../src/worker/client';
import type { EngineConfig, Progress } from '../../src/worker/protocol';
import { closedPort, startFakeHub, type FakeHub } from '../fixtures/hub/fakeHub';

const root = packageRoot(__dirname);
const TINY = join(root, 'test/fixtures/models/tiny-gpt2');
const ONNX = 'onnx/model.onnx';
const FILES = ['config.json', 'generation_config.json', 'tokenizer_config.json', 'tokenizer.json', ONNX];
const SIZES = Object.fromEntries(FILES.map((f) => [f, statSync(join(TINY, f)).size]));
const TOTAL = FILES.reduce((n, f) => n + SIZES[f], 0);
const ID = 'test-org/tiny-gpt2'; // not in the catalog: the standard layout is assumed
const TEXT = 'The quick brown fox jumps over the lazy dog.';

const tmp = mkdtempSync(join(tmpdir(), 'sf-download-worker-'));
let n = 0;
const freshRoot = () => join(tmp, `models${n++}`);
const hubs: FakeHub[] = [];
const hub = async (o: Omit<Parameters<typeof startFakeHub>[0], 'root'> = {}) => {
  const h = await startFakeHub({ root: TINY, ...o });
  hubs.push(h);
  return h;
};
const clients: WorkerClient[] = [];
const engineClient = (): WorkerClient => {
  const c = new WorkerClient({
    spawn: () => spawnEngineProcess(join(root, 'src/worker/main.ts'), { execArgv: ['--import', 'tsx'] }),
  });
  clients.push(c);
  return c;
};
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all(hubs.map((h) => h.close()));
});

const client = engineClient();
const hubEngine = (modelsDir: string): EngineConfig => ({
  kind: 'onnx',
  id: ID,
  modelDir: null,
  hubId: ID,
  modelsDirs: [modelsDir],
  device: 'cpu',
  dtype: 'fp32',
  threads: 1,
});
const code = (e: unknown): string => (e as SemanticFlowError).code;
type DownloadEvent = Extract<Progress, { stage: 'download' }>;
const downloads = (events: Progress[]): DownloadEvent[] =>
  events.filter((p): p is DownloadEvent => p.stage === 'download');
const partsIn = (dir: string): string[] =>
  [dir, join(dir, 'onnx')].flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.part')) : []));

test('the engine downloads a model with byte progress, and the Hub id then loads from the models folder and scores a text', async () => {
  const h = await hub();
  const destRoot = freshRoot();
  const events: Progress[] = [];
  const r = await client.request(
    'download',
    { hubId: ID, dtype: 'fp32', destRoot, host: h.url },
    { onProgress: (p) => events.push(p) },
  );
  const dir = join(destRoot, 'test-org', 'tiny-gpt2');
  assert.deepEqual(r, { hubId: ID, dtype: 'fp32', dir, bytes: TOTAL });
  for (const f of FILES) assert.deepEqual(readFileSync(join(dir, f)), readFileSync(join(TINY, f)), f);
  assert.deepEqual(partsIn(dir), []);

  const d = downloads(events);
  assert.equal(d.length, events.length, 'a download reports only download progress');
  for (let i = 1; i < d.length; i++)
    assert.ok(d[i].done >= d[i - 1].done && d[i].done <= d[i].total, `progress event ${i}`);
  assert.deepEqual([d.at(-1)!.done, d.at(-1)!.total], [TOTAL, TOTAL]);
  for (const f of FILES) {
    const last = d.filter((e) => e.file === f).at(-1);
    assert.ok(last, `progress for ${f}`);
    assert.deepEqual([last.model, last.fileDone, last.fileTotal], [ID, SIZES[f], SIZES[f]], f);
  }
  assert.deepEqual(
    h.requests.map((q) => q.file),
    FILES,
  );

  // Loading needs no network: the Hub is gone, and the engine finds the model in the models folder.
  await h.close();
  const fromHub = await client.request('analyze', { engine: hubEngine(destRoot), text: TEXT, options: { topK: 1 } });
  const fromFixture = await client.request('analyze', {
    engine: { kind: 'onnx', id: 'tiny-gpt2', modelDir: TINY, device: 'cpu', dtype: 'fp32', threads: 1 },
    text: TEXT,
    options: { topK: 1 },
  });
  assert.equal(fromHub.model.id, ID);
  assert.ok(fromHub.tokens.length > 5 && fromHub.summary.totalBits > 0);
  assert.equal(
    fromHub.summary.totalBits,
    fromFixture.summary.totalBits,
    'the downloaded copy scores exactly like its source',
  );
  assert.deepEqual(
    fromHub.tokens.map((t) => t.surprisalBits),
    fromFixture.tokens.map((t) => t.surprisalBits),
  );

  // Downloading again fetches nothing.
  const h2 = await hub();
  const again = await client.request('download', { hubId: ID, dtype: 'fp32', destRoot, host: h2.url });
  assert.equal(again.bytes, TOTAL);
  assert.equal(h2.requests.length, 0);
});

test('a cancel mid-file settles at once, leaves a .part and no model that loads; the next download resumes it', async () => {
  const half = Math.floor(SIZES[ONNX] / 2);
  const h = await hub({ hangAfter: { file: ONNX, bytes: half } });
  const destRoot = freshRoot();
  const dir = join(destRoot, 'test-org', 'tiny-gpt2');
  const ac = new AbortController();
  const seen: DownloadEvent[] = [];
  const started = Date.now();
  await assert.rejects(
    client.request(
      'download',
      { hubId: ID, dtype: 'fp32', destRoot, host: h.url },
      {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.stage !== 'download') return;
          seen.push(p);
          if (p.file === ONNX && p.fileDone >= half) ac.abort();
        },
      },
    ),
    (e) => code(e) === 'cancelled',
  );
  assert.ok(Date.now() - started < 30_000, 'cancelled long before the stall timeout');
  assert.equal(seen.at(-1)!.fileDone, half);
  assert.equal(seen.at(-1)!.fileTotal, SIZES[ONNX]);

  // The engine has stopped the download and kept the part for a resume (a download of the same model
  // into the same folder waits for the previous one, so the resume below starts after it).
  await assert.rejects(
    client.request('load', { engine: hubEngine(destRoot) }),
    (e: Error) =>
      code(e) === 'model-not-found' &&
      e.message.includes(dir) &&
      /not complete for fp32/.test(e.message) &&
      /partial/.test(e.message),
  );
  assert.equal(existsSync(join(dir, ONNX)), false);
  assert.deepEqual(partsIn(dir), ['model.onnx.part']);
  assert.equal(statSync(join(dir, `${ONNX}.part`)).size, half);

  const h2 = await hub();
  const r = await client.request('download', { hubId: ID, dtype: 'fp32', destRoot, host: h2.url });
  assert.equal(r.bytes, TOTAL);
  assert.deepEqual(
    h2.requests.map((q) => [q.file, q.range]),
    [[ONNX, `bytes=${half}-`]],
    'only the rest of the ONNX file is fetched',
  );
  assert.deepEqual(readFileSync(join(dir, ONNX)), readFileSync(join(TINY, ONNX)));
  const info = await client.request('load', { engine: hubEngine(destRoot) });
  assert.equal(info.id, ID);
});

test('with cleanupOnCancel a cancelled download leaves no partial file', async () => {
  const h = await hub({ hangAfter: { file: ONNX, bytes: 4096 } });
  const destRoot = freshRoot();
  const ac = new AbortController();
  await assert.rejects(
    client.request(
      'download',
      { hubId: ID, dtype: 'fp32', destRoot, host: h.url, cleanupOnCancel: true },
      {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.stage === 'download' && p.file === ONNX && p.fileDone > 0) ac.abort();
        },
      },
    ),
    (e) => code(e) === 'cancelled',
  );
  await assert.rejects(client.request('load', { engine: hubEngine(destRoot) }), (e) => code(e) === 'model-not-found');
  // Downloads run beside the model queue, so the load above did not wait for the cancelled one to clean up.
  const dir = join(destRoot, 'test-org', 'tiny-gpt2');
  for (const deadline = Date.now() + 10_000; partsIn(dir).length > 0 && Date.now() < deadline; )
    await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(partsIn(dir), []);
});

test('with the Hub down (host or $HF_ENDPOINT) the download fails with the offline message, and the engine stays usable', async () => {
  const down = `http://127.0.0.1:${await closedPort()}`;
  const destRoot = freshRoot();
  const offline = (e: unknown) =>
    code(e) === 'server-unreachable' &&
    new RegExp(
      `Could not reach 127\\.0\\.0\\.1:\\d+ to download ${ID} \\(offline\\?\\)\\. The built-in model semantic-flow-mini works offline\\.`,
    ).test((e as Error).message);
  await assert.rejects(client.request('download', { hubId: ID, dtype: 'fp32', destRoot, host: down }), offline);
  const info = await client.request('load', {
    engine: { kind: 'onnx', id: 'tiny-gpt2', modelDir: TINY, device: 'cpu', dtype: 'fp32', threads: 1 },
  });
  assert.equal(info.id, 'tiny-gpt2');

  // The extension passes no host: the engine process takes the Hub from its environment.
  const saved = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = down;
  try {
    const fromEnv = engineClient(); // spawned now, so it inherits HF_ENDPOINT
    await assert.rejects(fromEnv.request('download', { hubId: ID, dtype: 'fp32', destRoot }), offline);
  } finally {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
  }
  assert.equal(existsSync(join(destRoot, 'test-org', 'tiny-gpt2', 'config.json')), false);
});
