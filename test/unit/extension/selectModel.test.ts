/**
 * Select Model on the fake vscode: the quick pick's rows (built-in, the catalog with sizes, licences and
 * "downloaded", recent folders, Browse…), and choosing a catalog model that is not on disk: a `download`
 * request into global storage with byte progress, then `load`, then the pick; Cancel and offline leave
 * the previous pick.
 */
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticFlowError } from '../../../src/core/errors';
import { CATALOG } from '../../../src/engines/catalog/catalog';
import type { Config } from '../../../src/extension/config';
import type { Services } from '../../../src/extension/services';
import type { DownloadParams, EngineConfig, Progress } from '../../../src/worker/protocol';
import { DEFAULT_CONFIG } from './defaultConfig';
import { control, ModelSelection, root, UserErrors, vscode } from './onFakeVscode';
import { downloadModel } from '../../../src/engines/catalog/download';
import { OnnxModel } from '../../../src/engines/onnx/onnxModel';
import { download } from '../../../src/worker/handlers';
import { startFakeHub, type FakeHub } from '../../fixtures/hub/fakeHub';

// Loaded after the fake is installed (onFakeVscode), through require so the CommonJS hook sees `vscode`.
const { selectModel } =
  require('../../../src/extension/commands/selectModel') as typeof import('../../../src/extension/commands/selectModel');
const { downloadMessage } =
  require('../../../src/extension/cancellation') as typeof import('../../../src/extension/cancellation');

const storage = mkdtempSync(join(tmpdir(), 'sf-global-storage-'));
const modelsRoot = join(storage, 'models');
const context = { ...(control.context() as object), globalStorageUri: vscode.Uri.file(storage) };
const config: Config = DEFAULT_CONFIG;

type Item = { label: string; description?: string; detail?: string; kind?: number };
const SEP = vscode.QuickPickItemKind.Separator;
const FILES_Q8 = {
  'config.json': 300,
  'tokenizer_config.json': 200,
  'tokenizer.json': 5000,
  'onnx/model_quantized.onnx': 90_000,
};
const Q8_BYTES = Object.values(FILES_Q8).reduce((a, b) => a + b, 0);

function writeModel(id: string, files: Record<string, number>): void {
  for (const [f, n] of Object.entries(files)) {
    const p = join(modelsRoot, ...id.split('/'), f);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, Buffer.alloc(n));
  }
}

interface Call {
  method: string;
  params: unknown;
}
/** A stand-in for the engine: `download` writes the files (reporting bytes) unless `onDownload` says otherwise. */
function fakeEngine(
  onDownload?: (
    p: DownloadParams,
    signal: AbortSignal | undefined,
    onProgress?: (p: Progress) => void,
  ) => Promise<unknown>,
) {
  const calls: Call[] = [];
  return {
    calls,
    async request(
      method: string,
      params: unknown,
      opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
    ) {
      calls.push({ method, params });
      if (method === 'download') {
        const p = params as DownloadParams;
        if (onDownload) return onDownload(p, opts.signal, opts.onProgress);
        let done = 0;
        for (const [file, n] of Object.entries(FILES_Q8)) {
          writeModel(p.hubId, { [file]: n });
          done += n;
          opts.onProgress?.({
            stage: 'download',
            model: p.hubId,
            file,
            done,
            total: Q8_BYTES,
            fileDone: n,
            fileTotal: n,
          });
        }
        return { hubId: p.hubId, dtype: p.dtype, dir: join(p.destRoot, ...p.hubId.split('/')), bytes: Q8_BYTES };
      }
      if (method === 'load') return { id: (params as { engine: EngineConfig & { id: string } }).engine.id };
      throw new Error(`unexpected ${method}`);
    },
  };
}

const log = vscode.window.createOutputChannel('test') as never;
/** A Hugging Face cache of our own, so the machine's real cache never changes what a test sees. */
const hubRoot = join(storage, 'hf-hub');
function services(engine: ReturnType<typeof fakeEngine>) {
  const models = new ModelSelection(context as never, [hubRoot]);
  const s = { context, models, engine, log, errors: new UserErrors(log), config: () => config } as unknown as Services;
  return { s, models };
}

/** Records the progress notification; `pressCancel` cancels it. */
const reports: { title: string; messages: string[]; increments: number } = { title: '', messages: [], increments: 0 };
/** Presses Cancel on the running notification. */
let pressCancel: () => void = () => undefined;
(vscode.window as { withProgress: unknown }).withProgress = async (
  o: { title: string; cancellable: boolean },
  task: (p: unknown, t: unknown) => Promise<unknown>,
) => {
  assert.equal(o.cancellable, true);
  reports.title = o.title;
  const cancel = new vscode.EventEmitter<void>();
  const token = { isCancellationRequested: false, onCancellationRequested: (l: () => void) => cancel.event(l) };
  pressCancel = () => {
    token.isCancellationRequested = true;
    cancel.fire();
  };
  return task(
    {
      report: (v: { message?: string; increment?: number }) => {
        if (v.message) reports.messages.push(v.message);
        reports.increments += v.increment ?? 0;
      },
    },
    token,
  );
};

let picked: Item[] = [];
const answer = (pick: (items: Item[]) => Item | undefined) =>
  control.quickPickAnswers.push((items) => {
    picked = items as Item[];
    return pick(items as Item[]);
  });
const byLabel = (re: RegExp) => (items: Item[]) => items.find((i) => re.test(i.label));

beforeEach(() => {
  rmSync(modelsRoot, { recursive: true, force: true });
  rmSync(hubRoot, { recursive: true, force: true });
  Object.assign(reports, { title: '', messages: [], increments: 0 });
  control.notifications.length = 0;
  control.quickPickAnswers.length = 0;
  picked = [];
});

test('the quick pick lists built-in, every catalog model with size and licence, recent folders and Browse…', async () => {
  const { models } = services(fakeEngine());
  writeModel('Xenova/distilgpt2', FILES_Q8);
  writeModel('HuggingFaceTB/SmolLM2-135M', { 'config.json': 10, 'onnx/model_q4.onnx.part': 1_500_000 });
  await models.setPick({ kind: 'folder', path: '/models/mine' });
  await models.setPick({ kind: 'builtin' });

  const items = models.items(config, { offerDownloads: true }) as Item[];
  assert.deepEqual(
    items.map((i) => (i.kind === SEP ? `--${i.label}--` : i.label)),
    [
      '$(package) semantic-flow-mini $(check)',
      '--recommended models (Hugging Face Hub)--',
      '$(database) DistilGPT-2',
      '$(cloud-download) GPT-2',
      '$(cloud-download) SmolLM2 135M',
      '$(cloud-download) SmolLM2 135M Instruct',
      '$(cloud-download) SmolLM2 360M',
      '$(cloud-download) SmolLM2 360M Instruct',
      '$(cloud-download) SmolLM2 1.7B Instruct',
      '$(cloud-download) Qwen2.5 0.5B Instruct',
      '$(cloud-download) Qwen2.5 1.5B Instruct',
      '$(cloud-download) Llama 3.2 1B Instruct',
      '$(cloud-download) Gemma 3 1B IT',
      '--recent folders--',
      '$(folder) mine',
      '----',
      '$(folder-opened) Browse…',
    ],
  );
  const row = (label: string) => items.find((i) => i.label.endsWith(` ${label}`))!;
  assert.equal(row('DistilGPT-2').description, 'Xenova/distilgpt2 · downloaded (q8)');
  assert.equal(row('GPT-2').description, 'Xenova/gpt2 · download about 124 MB, q8');
  assert.equal(
    row('GPT-2').detail,
    '124M parameters · needs about 485 MB of memory · MIT licence · 1,024-token context',
  );
  // no q8 export in the SmolLM2 listings: q4 by default
  assert.equal(
    row('SmolLM2 135M').description,
    'HuggingFaceTB/SmolLM2-135M · partly downloaded (1.50 MB), resumes: about 200 MB, q4',
  );
  // q4: 417e6 + 2·32·5·64·2,048·4 B of KV cache + 128·49,152·4 B of logits + 260e6 = 869.9 MB
  assert.match(
    row('SmolLM2 360M Instruct').detail!,
    /^362M parameters · needs about 870 MB of memory · Apache-2\.0 licence · 8,192-token context · instruction-tuned/,
  );
  assert.equal(items.filter((i) => i.kind !== SEP && i.detail !== undefined).length, CATALOG.length);
  // q4: 200e6 + 2·30·3·64·2,048·4 B of KV cache + 128·49,152·4 B of logits + 260e6 = 579.5 MB
  assert.match(
    row('SmolLM2 135M Instruct').detail!,
    /^\$\(star-full\) suggested · 135M parameters · needs about 580 MB of memory · Apache-2\.0 licence/,
  );
  assert.deepEqual(
    items.filter((i) => /suggested/.test(i.detail ?? '')).map((i) => i.label),
    ['$(cloud-download) SmolLM2 135M Instruct'],
    'one suggestion',
  );

  // With semanticFlow.dtype set, rows offer that dtype (or say it has no such export).
  const fp16 = models.items({ ...config, dtype: 'fp16', dtypeChosen: true }, { offerDownloads: true }) as Item[];
  assert.equal(fp16.find((i) => i.label.endsWith(' GPT-2'))!.description, 'Xenova/gpt2 · download about 251 MB, fp16');
  assert.equal(
    fp16.find((i) => i.label.endsWith(' Qwen2.5 0.5B Instruct'))!.description,
    'onnx-community/Qwen2.5-0.5B-Instruct · download about 997 MB, fp16',
  );
  const q4 = models.items({ ...config, dtype: 'q4', dtypeChosen: true }, { offerDownloads: true }) as Item[];
  assert.equal(
    q4.find((i) => i.label.endsWith(' GPT-2'))!.description,
    'Xenova/gpt2 · no q4 export: change semanticFlow.dtype (fp32, fp16, q8)',
  );
  const fp32 = models.items({ ...config, dtypeChosen: true }, { offerDownloads: true }) as Item[];
  assert.equal(fp32.find((i) => i.label.endsWith(' GPT-2'))!.description, 'Xenova/gpt2 · download about 501 MB, fp32');
  assert.equal(
    fp32.find((i) => i.label.endsWith('DistilGPT-2'))!.label,
    '$(cloud-download) DistilGPT-2',
    'q8 on disk does not count for fp32',
  );

  // Without downloads (Compare Models), only models already on disk are offered.
  const compare = models.items(config) as Item[];
  assert.deepEqual(
    compare.filter((i) => /download|database/.test(i.label) || i.label === 'downloaded models').map((i) => i.label),
    ['downloaded models', '$(database) DistilGPT-2'],
  );
});

test('choosing a catalog model that is not on disk downloads it into global storage with byte progress, loads it, then selects it', async () => {
  const engine = fakeEngine();
  const { s, models } = services(engine);
  await models.setPick({ kind: 'builtin' });
  answer(byLabel(/ GPT-2$/));
  assert.equal(await selectModel(s), true);
  assert.ok(picked.length > CATALOG.length);

  assert.deepEqual(
    engine.calls.map((c) => c.method),
    ['download', 'load'],
  );
  assert.deepEqual(engine.calls[0].params, { hubId: 'Xenova/gpt2', dtype: 'q8', destRoot: modelsRoot });
  assert.ok(!modelsRoot.startsWith(root), 'never inside the extension folder');
  assert.deepEqual((engine.calls[1].params as { engine: EngineConfig }).engine, {
    kind: 'onnx',
    id: 'Xenova/gpt2',
    modelDir: null,
    hubId: 'Xenova/gpt2',
    modelsDirs: [modelsRoot],
    device: 'cpu',
    dtype: 'q8',
  });
  assert.equal(reports.title, 'Downloading GPT-2');
  assert.deepEqual(reports.messages, [
    '300 B of 95.5 kB (0%) · config.json',
    '500 B of 95.5 kB (0%) · tokenizer_config.json',
    '5.50 kB of 95.5 kB (5%) · tokenizer.json',
    '95.5 kB of 95.5 kB (100%) · model_quantized.onnx',
    'Loading GPT-2…',
  ]);
  assert.equal(reports.increments, 100);
  assert.deepEqual(models.current(config), { kind: 'hub', id: 'Xenova/gpt2' });
  assert.equal(models.label(config), 'Xenova/gpt2');
  assert.ok(
    control.notifications.some((n) => n.kind === 'info' && n.message === 'GPT-2 is downloaded (95.5 kB) and selected.'),
  );

  // Now on disk: chosen again, it is only selected (no network, no download).
  await models.setPick({ kind: 'builtin' });
  answer(byLabel(/ GPT-2$/));
  assert.equal(await selectModel(s), true);
  assert.match(picked.find((i) => / GPT-2$/.test(i.label))!.description!, /downloaded \(q8\)/);
  assert.deepEqual(
    engine.calls.map((c) => c.method),
    ['download', 'load'],
  );
  assert.deepEqual(models.current(config), { kind: 'hub', id: 'Xenova/gpt2' });
  assert.equal(
    ((await models.engineConfig(config)) as { dtype: string }).dtype,
    'q8',
    'the downloaded q8 loads although the fp32 default is in effect',
  );
});

const LLAMA2 = join(root, 'test', 'fixtures', 'models', 'tiny-llama2-chat'); // fp32 with external data
const LLAMA_ID = 'onnx-community/Llama-3.2-1B-Instruct';
const LLAMA_DIR = join(modelsRoot, ...LLAMA_ID.split('/'));
const DATA = 'onnx/model.onnx_data';
/** The engine's real download handler against `hub` (the Hub's URL layout, weights redirected to a CDN path), fp32 chosen. */
function hubServices(hub: FakeHub) {
  const engine = fakeEngine((p, signal, onProgress) =>
    download(
      p,
      { signal: signal ?? new AbortController().signal, progress: (q) => onProgress?.(q), log: () => undefined },
      downloadModel,
      { HF_ENDPOINT: hub.url },
    ),
  );
  const { s, models } = services(engine);
  return { engine, models, s: { ...s, config: () => ({ ...config, dtypeChosen: true }) } as Services };
}
async function assertScores(dir: string): Promise<void> {
  for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx', DATA])
    assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(LLAMA2, f))), f);
  const model = await OnnxModel.load({ modelDir: dir });
  try {
    assert.equal(
      (await model.analyze('The river was low.')).tokens.length,
      model.tokenize('The river was low.').ids.length,
    );
  } finally {
    await model.dispose();
  }
}

test("a family model from a server in the Hub layout (CDN redirects, external data) through the engine's download handler; the folder loads and scores", async () => {
  const hub = await startFakeHub({ root: LLAMA2, cdn: true });
  try {
    const { engine, models, s } = hubServices(hub);
    await models.setPick({ kind: 'builtin' });
    answer(byLabel(/Llama 3\.2 1B Instruct$/));
    assert.equal(await selectModel(s), true);
    assert.deepEqual(
      engine.calls.map((c) => c.method),
      ['download', 'load'],
    );
    assert.ok(
      hub.requests.some((r) => r.kind === 'cdn' && r.file === DATA),
      'the weights came from the CDN path',
    );
    assert.equal(reports.messages.at(-2)?.endsWith('· model.onnx_data'), true, reports.messages.join(' | '));
    assert.deepEqual(models.current(config), { kind: 'hub', id: LLAMA_ID });
    await assertScores(LLAMA_DIR);
  } finally {
    await hub.close();
  }
});

test('a connection dropped mid-file: Select Model (catalog id argument) fails with one message and keeps the pick; choosing again resumes with Range and If-Range', async () => {
  const hub = await startFakeHub({ root: LLAMA2, cdn: true, dropAfter: { file: DATA, bytes: 50_000 } });
  try {
    const { models, s } = hubServices(hub);
    await models.setPick({ kind: 'builtin' });
    await assert.rejects(
      selectModel(s, LLAMA_ID),
      (e: SemanticFlowError) =>
        e.code === 'server-error' &&
        /stopped after 50000 of \d+ bytes.*run the download again to resume/.test(e.message),
    );
    assert.deepEqual(models.current(config), { kind: 'builtin' });
    const part = join(LLAMA_DIR, `${DATA}.part`);
    assert.equal(readFileSync(part).length, 50_000);
    hub.requests.length = 0;
    assert.equal(await selectModel(s, LLAMA_ID), true);
    const etag = `"${createHash('sha256')
      .update(readFileSync(join(LLAMA2, DATA)))
      .digest('hex')}"`;
    assert.deepEqual(
      hub.requests.filter((r) => r.file === DATA).map((r) => [r.kind, r.range, r.ifRange]),
      [
        ['resolve', 'bytes=50000-', etag],
        ['cdn', 'bytes=50000-', etag],
      ],
      'only the rest, and only while the ETag matches',
    );
    assert.ok(!existsSync(part) && !existsSync(`${part}.etag`));
    assert.deepEqual(models.current(config), { kind: 'hub', id: LLAMA_ID });
    await assertScores(LLAMA_DIR);
  } finally {
    await hub.close();
  }
});

test('Cancel aborts the download request, keeps the previous model and says the download resumes', async () => {
  let aborted = false;
  const engine = fakeEngine(
    (_p, signal) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          aborted = true;
          reject(new SemanticFlowError('cancelled', 'The request was cancelled.'));
        });
      }),
  );
  const { s, models } = services(engine);
  await models.setPick({ kind: 'builtin' });
  answer(byLabel(/SmolLM2 135M$/));
  const run = selectModel(s);
  while (engine.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(aborted, false);
  pressCancel();
  assert.equal(await run, false);
  assert.ok(aborted, 'the engine request saw the abort');
  assert.deepEqual(models.current(config), { kind: 'builtin' });
  assert.deepEqual(
    engine.calls.map((c) => c.method),
    ['download'],
  );
  assert.ok(
    control.notifications.some(
      (n) =>
        n.kind === 'info' &&
        /download of SmolLM2 135M was cancelled; its partial files are kept, and choosing it again resumes/.test(
          n.message,
        ),
    ),
  );
});

test("offline: the download's message with Retry and the built-in model; the previous pick stays", async () => {
  const message =
    'Could not reach huggingface.co to download Xenova/gpt2 (offline?). The built-in model semantic-flow-mini works offline.';
  const engine = fakeEngine(async () => {
    throw new SemanticFlowError('server-unreachable', message);
  });
  const { s, models } = services(engine);
  await models.setPick({ kind: 'folder', path: '/models/mine' });
  answer(byLabel(/ GPT-2$/));
  assert.equal(await selectModel(s), false);
  assert.deepEqual(
    control.notifications.filter((n) => n.kind === 'error'),
    [{ kind: 'error', message, items: ['Retry', 'Use semantic-flow-mini'] }],
  );
  assert.deepEqual(models.current(config), { kind: 'folder', path: '/models/mine' });
  assert.deepEqual(
    engine.calls.map((c) => c.method),
    ['download'],
  );
});

test('a dismissed quick pick changes nothing; the progress line names bytes, percent and file', async () => {
  const engine = fakeEngine();
  const { s } = services(engine);
  answer(() => undefined);
  assert.equal(await selectModel(s), false);
  assert.equal(engine.calls.length, 0);
  assert.equal(
    downloadMessage({
      stage: 'download',
      model: 'a/b',
      file: 'onnx/model.onnx',
      done: 1_200_000,
      total: 480_000_000,
      fileDone: 1,
      fileTotal: null,
    }),
    '1.20 MB of 480 MB (0%) · model.onnx',
  );
  assert.equal(
    downloadMessage({
      stage: 'download',
      model: 'a/b',
      file: 'onnx/model.onnx_data',
      done: 1_500_000_000,
      total: 1_500_000_000,
      fileDone: 600_000_000,
      fileTotal: 1_500_000_000,
      verifying: true,
    }),
    'Verifying model.onnx_data: 600 MB of 1.50 GB (40%)',
  );
});

test('a catalog model already in the Hugging Face cache shows as on disk and is selected without a download', async () => {
  const snapshot = join(hubRoot, 'models--Xenova--gpt2', 'snapshots', '0123abc');
  for (const [f, n] of Object.entries(FILES_Q8)) {
    mkdirSync(join(snapshot, f, '..'), { recursive: true });
    writeFileSync(join(snapshot, f), Buffer.alloc(n));
  }
  const engine = fakeEngine();
  const { s, models } = services(engine);
  await models.setPick({ kind: 'builtin' });
  answer(byLabel(/ GPT-2$/));
  assert.equal(await selectModel(s), true);
  const row = picked.find((i) => / GPT-2$/.test(i.label))!;
  assert.equal(row.label, '$(database) GPT-2');
  assert.equal(row.description, 'Xenova/gpt2 · in the Hugging Face cache (q8)');
  assert.deepEqual(
    engine.calls.map((c) => c.method),
    [],
    'no download: the engine loads it when it is next used',
  );
  assert.deepEqual(models.current(config), { kind: 'hub', id: 'Xenova/gpt2' });
  assert.equal(
    ((await models.engineConfig(config)) as { dtype: string }).dtype,
    'q8',
    'the cached q8 loads although the fp32 default is in effect',
  );
  // a cached snapshot without the ONNX file is not "on disk"
  rmSync(join(snapshot, 'onnx'), { recursive: true });
  assert.equal(models.needsDownload('Xenova/gpt2', config), true);
});

test("the download carries the user's http.proxy; a workspace's http.proxy is never used", async () => {
  control.workspaceSettings['http.proxy'] = 'http://workspace-proxy:1';
  try {
    control.userSettings['http.proxy'] = ' http://corp-proxy:3128 ';
    let engine = fakeEngine();
    await services(engine).models.setPick({ kind: 'builtin' });
    answer(byLabel(/ GPT-2$/));
    assert.equal(await selectModel(services(engine).s), true);
    assert.deepEqual(engine.calls[0].params, {
      hubId: 'Xenova/gpt2',
      dtype: 'q8',
      destRoot: modelsRoot,
      proxy: 'http://corp-proxy:3128',
    });

    delete control.userSettings['http.proxy'];
    rmSync(modelsRoot, { recursive: true, force: true });
    engine = fakeEngine();
    await services(engine).models.setPick({ kind: 'builtin' });
    answer(byLabel(/ GPT-2$/));
    assert.equal(await selectModel(services(engine).s), true);
    assert.deepEqual(
      engine.calls[0].params,
      { hubId: 'Xenova/gpt2', dtype: 'q8', destRoot: modelsRoot },
      'no proxy from the workspace',
    );
  } finally {
    delete control.userSettings['http.proxy'];
    delete control.workspaceSettings['http.proxy'];
  }
});

test('with a catalog id as argument (the "Download …" links): no quick pick, that model is downloaded and selected; other ids are refused', async () => {
  const engine = fakeEngine();
  const { s, models } = services(engine);
  await models.setPick({ kind: 'builtin' });
  assert.equal(await selectModel(s, 'HuggingFaceTB/SmolLM2-135M-Instruct'), true);
  assert.equal(picked.length, 0, 'no quick pick was shown');
  assert.deepEqual(engine.calls[0], {
    method: 'download',
    params: { hubId: 'HuggingFaceTB/SmolLM2-135M-Instruct', dtype: 'q4', destRoot: modelsRoot },
  });
  assert.deepEqual(models.current(config), { kind: 'hub', id: 'HuggingFaceTB/SmolLM2-135M-Instruct' });
  // A Hub id outside the catalog, or anything else, never starts a download through a link.
  for (const bad of ['someone/huge-model', '../../etc', 42]) {
    await assert.rejects(
      selectModel(s, bad),
      (e: SemanticFlowError) => e.code === 'bad-argument' && /not a catalog model/.test(e.message),
    );
  }
  assert.equal(engine.calls.filter((c) => c.method === 'download').length, 1);
});
