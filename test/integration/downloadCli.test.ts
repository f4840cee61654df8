/** `semantic-flow models` in-process, against a local imitation of the Hub serving tiny-gpt2 for every id. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { hubCacheRoots } from '../../src/engines/catalog/hubCache';
import { captureIo } from '../helpers/captureIo';
import { closedPort, startFakeHub } from '../fixtures/hub/fakeHub';

const TINY = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const tmp = mkdtempSync(join(tmpdir(), 'sf-models-cli-'));

const fakeIo = (o: { tty?: boolean; signal?: AbortSignal } = {}) =>
  captureIo({ stderrTTY: o.tty, signal: o.signal, env: { SEMANTIC_FLOW_CACHE: join(tmp, 'cache') } });

const hubPromise = startFakeHub({ root: TINY });
after(async () => (await hubPromise).close());

test('models download ID --dtype q8: progress bar on a terminal, the folder on stdout, then listed as downloaded', async () => {
  const hub = await hubPromise;
  const dir = join(tmp, 'models');
  const io = fakeIo({ tty: true });
  assert.equal(
    await run(['models', 'download', 'gpt2', '--dtype', 'q8', '--dir', dir, '--host', hub.url], io),
    0,
    io.err,
  );
  const folder = join(dir, 'Xenova', 'gpt2');
  assert.equal(io.out, `${folder}\n`);
  assert.match(io.err, /\r\x1b\[KXenova\/gpt2 q8 \[#{24}\] 100% [\d.]+ kB \/ [\d.]+ kB {2}onnx\/model_quantized\.onnx/);
  assert.match(
    io.err,
    /Downloaded Xenova\/gpt2 \(q8\)\. Use it with: semantic-flow analyze --model ".*gpt2" --dtype q8 FILE\n$/,
  );
  assert.deepEqual(
    readFileSync(join(folder, 'onnx', 'model_quantized.onnx')),
    readFileSync(join(TINY, 'onnx', 'model_quantized.onnx')),
  );
  assert.deepEqual(
    hub.requests
      .filter((r) => r.repo === 'Xenova/gpt2')
      .map((r) => r.file)
      .at(-1),
    'onnx/model_quantized.onnx',
  );

  const list = fakeIo();
  assert.equal(await run(['models', 'list', '--format', 'json', '--dir', dir], list), 0, list.err);
  const j = JSON.parse(list.out);
  assert.equal(j.modelsDir, dir);
  const byId = new Map(j.models.map((m: { id: string }) => [m.id, m]));
  const gpt2 = byId.get('Xenova/gpt2') as {
    source: string;
    licence: string;
    local: { dtypes: string[]; partial: boolean };
    approxDownloadBytes: Record<string, number>;
  };
  assert.deepEqual(
    [gpt2.source, gpt2.licence, gpt2.local.dtypes, gpt2.local.partial],
    ['catalog', 'MIT', ['q8'], false],
  );
  assert.ok(gpt2.approxDownloadBytes.q8 > 0 && gpt2.approxDownloadBytes.fp32 > gpt2.approxDownloadBytes.q8);
  const builtin = byId.get('semantic-flow-mini') as { source: string; local: { dtypes: string[] } };
  assert.equal(builtin.source, 'built-in');
  assert.ok(builtin.local.dtypes.includes('fp32'));
  assert.equal((byId.get('HuggingFaceTB/SmolLM2-135M') as { local: unknown }).local, null);

  // The downloaded folder is what analyze expects.
  const a = fakeIo();
  assert.equal(
    await run(['analyze', '--model', folder, '--dtype', 'q8', '--format', 'json', '-'], {
      ...a,
      readStdin: async () => new TextEncoder().encode('Hello world'),
    }),
    0,
    a.err,
  );
});

test('models download off a terminal: a progress line every few seconds (here every update), no bar', async () => {
  const hub = await hubPromise;
  const io = captureIo({ env: { SEMANTIC_FLOW_CACHE: join(tmp, 'cache'), SEMANTIC_FLOW_PROGRESS_SECONDS: '0' } });
  const dir = join(tmp, 'models-log');
  assert.equal(await run(['models', 'download', 'gpt2', '--dtype', 'q8', '--dir', dir, '--host', hub.url], io), 0);
  const lines = io.err.split('\n').filter((l) => l.startsWith('semantic-flow: downloading'));
  assert.ok(lines.length >= 2, io.err);
  for (const l of lines)
    assert.match(l, /^semantic-flow: downloading Xenova\/gpt2 q8 [\d.]+ k?B of [\d.]+ [kMG]?B \(\d+%\), \d+ s/);
  assert.equal(io.err.includes('\r'), false, 'no terminal bar in a log');
});

test('models list as a table: built-in first, licences, sizes marked approximate, a non-catalog download', async () => {
  const hub = await hubPromise;
  const dir = join(tmp, 'models-table');
  const dl = fakeIo();
  assert.equal(
    await run(['models', 'download', 'someone/tiny', '--dtype', 'fp32', '--dir', dir, '--host', hub.url], dl),
    0,
    dl.err,
  );
  assert.match(dl.err, /someone\/tiny is not in the catalog; trying the standard transformers\.js layout/);
  assert.doesNotMatch(dl.err, /\r/); // no progress bar off a terminal
  const io = fakeIo();
  assert.equal(await run(['models', '--format', 'table', '--dir', dir], io), 0, io.err);
  const lines = io.out.split('\n');
  assert.match(
    lines[0],
    /^model +params +download \(approx\.\) +memory \(approx\.\) +licence +chat +context +on disk$/,
  );
  assert.match(lines[1], /^semantic-flow-mini +8\.1M +included +\? +MIT +no +512 +fp32, q8 /);
  // q8 memory: 124e6 file bytes + 2·12 layers·12 heads·64·1,024 tokens·4 B of KV + 128·50,257·4 B of logits + 260e6 = 485.2 MB
  assert.match(io.out, /\nXenova\/gpt2 +124M +fp32 ~501 MB, fp16 ~251 MB, q8 ~124 MB +q8 ~485 MB +MIT +no +1024 +—\n/);
  assert.match(io.out, /\nonnx-community\/Qwen2\.5-0\.5B-Instruct +494M +.* +Apache-2\.0 +yes +32768 /);
  assert.match(io.out, /\nonnx-community\/Llama-3\.2-1B-Instruct +1\.2B +.* +Llama-3\.2 +yes +131072 /);
  assert.match(io.out, /\nsomeone\/tiny +\? +\? +\? +\? +no +256 +fp32 \([\d.]+ kB\)\n/);
  assert.ok(io.out.includes(`Downloaded models: ${dir}`));
});

test('models download errors: unreachable host, unknown model, missing id, cancelled by Ctrl+C', async () => {
  const port = await closedPort();
  const dir = join(tmp, 'models-errors');
  const off = fakeIo();
  assert.equal(
    await run(['models', 'download', 'SmolLM2-135M', '--dir', dir, '--host', `http://127.0.0.1:${port}`], off),
    2,
  );
  assert.equal(
    off.err,
    `semantic-flow: Could not reach 127.0.0.1:${port} to download HuggingFaceTB/SmolLM2-135M (offline?). The built-in model semantic-flow-mini works offline.\n`,
  );
  assert.equal(off.out, '');

  const viaProxy = fakeIo();
  const proxyPort = await closedPort();
  viaProxy.env = { ...viaProxy.env, HTTP_PROXY: `http://127.0.0.1:${proxyPort}` };
  const proxiedHub = await hubPromise;
  assert.equal(await run(['models', 'download', 'SmolLM2-135M', '--dir', dir, '--host', proxiedHub.url], viaProxy), 2);
  assert.match(
    viaProxy.err,
    new RegExp(
      `Downloads go through the proxy http://127\\.0\\.0\\.1:${proxyPort}/ \\(VS Code's http\\.proxy, or HTTPS_PROXY / HTTP_PROXY\\)`,
    ),
  );

  const unknown = fakeIo();
  assert.equal(await run(['models', 'download', 'gpt-9', '--dir', dir], unknown), 2);
  assert.match(unknown.err, /^semantic-flow: "gpt-9" is neither a catalog model nor a Hub id/);
  const none = fakeIo();
  assert.equal(await run(['models', 'download', '--dir', dir], none), 2);
  assert.match(
    none.err,
    /models download takes one model id, for example: semantic-flow models download Xenova\/distilgpt2/,
  );
  const sub = fakeIo();
  assert.equal(await run(['models', 'remove', 'x'], sub), 2);
  assert.match(sub.err, /Unknown subcommand `models remove`\. Should be one of: list, download\./);

  const hub = await hubPromise;
  const ac = new AbortController();
  ac.abort();
  const c = fakeIo({ signal: ac.signal });
  assert.equal(await run(['models', 'download', 'distilgpt2', '--dir', dir, '--host', hub.url], c), 130);
  assert.match(
    c.err,
    /^semantic-flow: The download of Xenova\/distilgpt2 was cancelled; its partial files are kept in .*, and the next download of Xenova\/distilgpt2 resumes them\.\n$/,
  );
  assert.ok(!existsSync(join(dir, 'Xenova', 'distilgpt2', 'onnx')));
});

test('a download that fails offline leaves no empty folders; one with a partial file to resume keeps it', async () => {
  const port = await closedPort();
  const root = join(tmp, 'models-offline');
  mkdirSync(root, { recursive: true });
  const io = fakeIo();
  assert.equal(
    await run(['models', 'download', 'SmolLM2-135M', '--dir', root, '--host', `http://127.0.0.1:${port}`], io),
    2,
  );
  assert.match(io.err, /Could not reach 127\.0\.0\.1/);
  assert.equal(existsSync(join(root, 'HuggingFaceTB')), false, 'no HuggingFaceTB/SmolLM2-135M/onnx left behind');
  assert.equal(existsSync(root), true, 'the models folder itself stays');
  const kept = join(root, 'HuggingFaceTB', 'SmolLM2-135M');
  mkdirSync(join(kept, 'onnx'), { recursive: true });
  writeFileSync(join(kept, 'config.json.part'), '{"partial"');
  assert.equal(
    await run(['models', 'download', 'SmolLM2-135M', '--dir', root, '--host', `http://127.0.0.1:${port}`], fakeIo()),
    2,
  );
  assert.equal(
    readFileSync(join(kept, 'config.json.part'), 'utf8'),
    '{"partial"',
    'the partial file is kept for a resume',
  );
  assert.equal(existsSync(join(kept, 'onnx')), false, 'only the empty onnx/ goes');
});

test('help lists models and its usage', async () => {
  const io = fakeIo();
  assert.equal(await run(['help', 'models'], io), 0);
  assert.match(io.out, /^Usage: semantic-flow models \[options\] \[list\] \| download ID\n/);
  assert.match(
    io.out,
    /\n  --dtype fp32\|fp16\|q8\|q4 +download: which precision to fetch \(default: q8 where the model has it,\n +else q4, fp16, fp32\)/,
  );
  const h = fakeIo();
  await run(['help'], h);
  assert.match(h.out, /\n {2}models +list the built-in, recommended and downloaded models/);
});

test('models list shows a catalog model found only in a Hugging Face cache snapshot (links into blobs/), with its real size', async () => {
  const hubCache = join(tmp, 'hf-hub');
  const repo = join(hubCache, 'models--Xenova--distilgpt2');
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
  let bytes = 0;
  files.forEach((f, i) => {
    const blob = join(repo, 'blobs', `blob${i}`);
    mkdirSync(join(blob, '..'), { recursive: true });
    writeFileSync(blob, readFileSync(join(TINY, f)));
    bytes += statSync(blob).size;
    const link = join(repo, 'snapshots', 'abc123', f);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(blob, link);
  });
  const list = fakeIo();
  list.env = { ...list.env, HF_HUB_CACHE: hubCache };
  assert.equal(
    await run(['models', 'list', '--format', 'json', '--dir', join(tmp, 'empty-models')], list),
    0,
    list.err,
  );
  const row = (JSON.parse(list.out).models as { id: string; local: unknown }[]).find(
    (m) => m.id === 'Xenova/distilgpt2',
  )!;
  assert.deepEqual(row.local, {
    dir: join(repo, 'snapshots', 'abc123'),
    dtypes: ['q8'],
    bytes,
    partial: false,
    hubCache: true,
  });

  const table = fakeIo();
  table.env = { ...table.env, HF_HUB_CACHE: hubCache };
  assert.equal(await run(['models', '--format', 'table', '--dir', join(tmp, 'empty-models')], table), 0, table.err);
  assert.match(table.out, /^Xenova\/distilgpt2 .* q8 \([\d.]+ kB, Hugging Face cache\)$/m);
});

test('--model takes a catalog name or Hub id on disk: a download in the models folder (its dtype), else a Hugging Face cache snapshot', async () => {
  const hub = await hubPromise;
  const cache = join(tmp, 'by-id-cache');
  const env = { SEMANTIC_FLOW_CACHE: cache, HF_HUB_CACHE: join(tmp, 'by-id-hub') };
  const withEnv = () => Object.assign(fakeIo(), { env });
  const analyze = async (model: string) => {
    const io = withEnv();
    io.readStdin = async () => new TextEncoder().encode('Hello world');
    const rc = await run(['analyze', '--model', model, '--format', 'json', '-'], io);
    return { rc, io };
  };

  // Nowhere on disk: one line naming where it looked and the command that downloads it.
  const missing = await analyze('smollm2-135m');
  assert.notEqual(missing.rc, 0);
  assert.equal(
    missing.io.err,
    `semantic-flow: The model "HuggingFaceTB/SmolLM2-135M" is not on this machine (looked in ${[join(cache, 'models'), ...hubCacheRoots(env)].join(', ')}). Run semantic-flow models download HuggingFaceTB/SmolLM2-135M, or pass a model folder.\n`,
  );

  // Downloaded (q8 only) into the default models folder: found by its catalog name, loaded as q8.
  const dl = withEnv();
  assert.equal(await run(['models', 'download', 'gpt2', '--dtype', 'q8', '--host', hub.url], dl), 0, dl.err);
  assert.match(dl.err, /Use it with: semantic-flow analyze --model Xenova\/gpt2 --dtype q8 FILE\n$/);
  const byName = await analyze('gpt2');
  assert.equal(byName.rc, 0, byName.io.err);
  const r = JSON.parse(byName.io.out);
  assert.deepEqual([r.model.id, r.model.dtype], ['Xenova/gpt2', 'q8']);
  assert.equal(r.tokens.map((t: { text: string }) => t.text).join(''), 'Hello world');
  const fp32 = withEnv();
  fp32.readStdin = async () => new TextEncoder().encode('Hello');
  assert.notEqual(await run(['analyze', '--model', 'Xenova/gpt2', '--dtype', 'fp32', '-'], fp32), 0);
  assert.match(
    fp32.err,
    /not complete for fp32: onnx\/model\.onnx is missing\. It is complete for q8 \(--dtype q8\), or run semantic-flow models download Xenova\/gpt2 to download the rest/,
  );

  // Only in the Hugging Face cache: loaded from the snapshot, fp32 since it holds onnx/model.onnx.
  const snap = join(env.HF_HUB_CACHE, 'models--someone--tiny', 'snapshots', 'rev1');
  mkdirSync(join(snap, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'])
    writeFileSync(join(snap, f), readFileSync(join(TINY, f)));
  const fromHub = await analyze('someone/tiny');
  assert.equal(fromHub.rc, 0, fromHub.io.err);
  assert.deepEqual(
    [JSON.parse(fromHub.io.out).model.id, JSON.parse(fromHub.io.out).model.dtype],
    ['someone/tiny', 'fp32'],
  );
});
