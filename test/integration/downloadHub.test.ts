/**
 * Downloads as from the real Hub: a local server in its URL layout (`/{repo}/resolve/main/{file}`, ONNX
 * weights redirected to a content-addressed CDN path, ETags, Range) serving the family fixtures under
 * catalog ids. `semantic-flow models download` fetches a model with external data and the folder scores
 * like the fixture; a dropped connection resumes with Range and If-Range through the redirect; a file
 * that changed upstream since the part was written comes whole, never spliced; a file whose bytes do not
 * match the sha256 the Hub gave on its redirect (X-Linked-Etag) is refused and removed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';
import { MODELS } from '../helpers/families';
import { startFakeHub } from '../fixtures/hub/fakeHub';

const LLAMA = 'onnx-community/Llama-3.2-1B-Instruct';
const SOURCE = join(MODELS, 'tiny-llama2-chat'); // fp32 in onnx/model.onnx + onnx/model.onnx_data, like the real export
const DATA = 'onnx/model.onnx_data';
const FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer_config.json',
  'tokenizer.json',
  'onnx/model.onnx',
  DATA,
];
const tmp = mkdtempSync(join(tmpdir(), 'sf-hub-layout-'));
const io = () => captureIo({ env: { SEMANTIC_FLOW_CACHE: join(tmp, 'cache') } });
const sha256 = (b: Buffer) => `"${createHash('sha256').update(b).digest('hex')}"`;
const hubs: { close(): Promise<void> }[] = [];
after(async () => {
  for (const h of hubs) await h.close();
});

async function hub(o: Omit<Parameters<typeof startFakeHub>[0], 'root' | 'repos' | 'cdn'> = {}) {
  const h = await startFakeHub({ root: join(tmp, 'nothing'), repos: { [LLAMA]: SOURCE }, cdn: true, ...o });
  hubs.push(h);
  return h;
}
const download = (url: string, dir: string) =>
  run(['models', 'download', 'llama-3.2-1b-instruct', '--dtype', 'fp32', '--dir', dir, '--host', url], io());

test('models download: weights through the CDN redirect, external data beside the graph; the folder scores like the fixture', async () => {
  const h = await hub();
  const dir = join(tmp, 'plain');
  assert.equal(await download(h.url, dir), 0);
  const folder = join(dir, ...LLAMA.split('/'));
  for (const f of FILES) assert.ok(readFileSync(join(folder, f)).equals(readFileSync(join(SOURCE, f))), f);
  assert.deepEqual(
    readdirSync(join(folder, 'onnx')).sort(),
    ['model.onnx', 'model.onnx_data'],
    'no .part or .etag left',
  );
  // JSON straight from the Hub; ONNX files redirected to where their bytes are
  assert.deepEqual(
    h.requests.map((r) => `${r.kind} ${r.file}`),
    [
      ...FILES.slice(0, 4).map((f) => `resolve ${f}`),
      'resolve onnx/model.onnx',
      'cdn onnx/model.onnx',
      `resolve ${DATA}`,
      `cdn ${DATA}`,
    ],
  );
  const [a, b] = [io(), io()];
  assert.equal(
    await run(['analyze', '--model', folder, '--format', 'json', '-'], {
      ...a,
      readStdin: async () => new TextEncoder().encode('The river was low.'),
    }),
    0,
    a.err,
  );
  assert.equal(
    await run(['analyze', '--model', SOURCE, '--format', 'json', '-'], {
      ...b,
      readStdin: async () => new TextEncoder().encode('The river was low.'),
    }),
    0,
    b.err,
  );
  assert.equal(JSON.parse(a.out).summary.totalBits, JSON.parse(b.out).summary.totalBits);
});

test('a dropped connection: the next download resumes the external data with Range and its ETag as If-Range, through the redirect', async () => {
  const h = await hub({ dropAfter: { file: DATA, bytes: 50_000 } });
  const dir = join(tmp, 'resume');
  assert.equal(await download(h.url, dir), 2);
  const part = join(dir, ...LLAMA.split('/'), `${DATA}.part`);
  const data = readFileSync(join(SOURCE, DATA));
  assert.equal(readFileSync(part).length, 50_000);
  assert.equal(readFileSync(`${part}.etag`, 'utf8'), sha256(data), 'the CDN ETag is kept beside the part');
  h.requests.length = 0;
  assert.equal(await download(h.url, dir), 0);
  const resumed = h.requests.filter((r) => r.file === DATA);
  assert.deepEqual(
    resumed.map((r) => [r.kind, r.range, r.ifRange]),
    [
      ['resolve', 'bytes=50000-', sha256(data)],
      ['cdn', 'bytes=50000-', sha256(data)],
    ],
  );
  assert.ok(readFileSync(join(dir, ...LLAMA.split('/'), DATA)).equals(data));
  assert.ok(!existsSync(part) && !existsSync(`${part}.etag`));
});

test('a file that changed upstream since the part was written comes whole (If-Range), never old head + new tail', async () => {
  const h = await hub({ dropAfter: { file: DATA, bytes: 50_000 } });
  const dir = join(tmp, 'changed');
  assert.equal(await download(h.url, dir), 2);
  const changed = Buffer.from(readFileSync(join(SOURCE, DATA)));
  for (let i = 0; i < 1000; i++) changed[i] ^= 0xff; // a new commit: same size, other bytes at the start
  h.setFile(LLAMA, DATA, changed);
  h.requests.length = 0;
  assert.equal(await download(h.url, dir), 0);
  assert.ok(readFileSync(join(dir, ...LLAMA.split('/'), DATA)).equals(changed), 'the new version, whole');
  assert.deepEqual(
    h.requests.filter((r) => r.file === DATA && r.kind === 'cdn').map((r) => r.ifRange),
    [sha256(readFileSync(join(SOURCE, DATA)))],
  );
});

test('weights damaged on the way: the sha256 of X-Linked-Etag does not match, one clear error, the damaged file removed; the next download is whole', async () => {
  const data = readFileSync(join(SOURCE, DATA));
  const h = await hub({ damage: { file: DATA, at: 12_345 } });
  const dir = join(tmp, 'damaged');
  const folder = join(dir, ...LLAMA.split('/'));
  const failed = io();
  assert.equal(
    await run(
      ['models', 'download', 'llama-3.2-1b-instruct', '--dtype', 'fp32', '--dir', dir, '--host', h.url],
      failed,
    ),
    2,
  );
  assert.match(
    failed.err,
    new RegExp(`${DATA} .* does not match the sha256 the server gave .*expected ${sha256(data).slice(1, -1)}`),
  );
  assert.doesNotMatch(failed.err, /\n\s+at /, 'no stack trace');
  assert.deepEqual(readdirSync(join(folder, 'onnx')), ['model.onnx'], 'neither the damaged file nor its .part kept');
  const clean = await hub();
  assert.equal(await download(clean.url, dir), 0);
  assert.ok(readFileSync(join(folder, DATA)).equals(data));
});

/** A download whose stderr is a terminal, aborted as soon as its progress line says "verifying" `file`. */
function cancelWhileVerifying(file: string) {
  const ac = new AbortController();
  const c = captureIo({ env: { SEMANTIC_FLOW_CACHE: join(tmp, 'cache') }, stderrTTY: true, signal: ac.signal });
  const write = c.stderr.write;
  c.stderr.write = (s: string) => {
    write(s);
    if (s.includes(' verifying ') && s.endsWith(file)) ac.abort();
  };
  return c;
}

test('the sha256 check of the weights shows progress ("verifying", bytes hashed) and Ctrl+C during it cancels; the whole part stays and the next run checks it again', async () => {
  const data = readFileSync(join(SOURCE, DATA));
  const h = await hub();
  const dir = join(tmp, 'verify-cancel');
  const folder = join(dir, ...LLAMA.split('/'));
  const part = join(folder, `${DATA}.part`);
  const c = cancelWhileVerifying(DATA);
  const argv = ['models', 'download', 'llama-3.2-1b-instruct', '--dtype', 'fp32', '--dir', dir, '--host', h.url];
  assert.equal(await run(argv, c), 130, c.err);
  assert.match(c.err, / verifying \[-{24}\] 0% 0 B \/ 237 kB {2}onnx\/model\.onnx_data/);
  assert.match(c.err, /cancel/i);
  assert.ok(!existsSync(join(folder, DATA)), 'not renamed unchecked');
  assert.ok(readFileSync(part).equals(data), 'the whole part is kept for the next run');
  assert.equal(readFileSync(`${part}.etag`, 'utf8'), sha256(data));
  const again = captureIo({ env: { SEMANTIC_FLOW_CACHE: join(tmp, 'cache') }, stderrTTY: true });
  assert.equal(await run(argv, again), 0, again.err);
  assert.match(again.err, / verifying \[#{24}\] 100% 237 kB \/ 237 kB {2}onnx\/model\.onnx_data/);
  assert.ok(readFileSync(join(folder, DATA)).equals(data));
  assert.ok(!existsSync(part) && !existsSync(`${part}.etag`));
});

test('--cleanup-on-cancel during the sha256 check removes the part and its ETag, as a cancel mid-download does', async () => {
  const h = await hub();
  const dir = join(tmp, 'verify-cleanup');
  const folder = join(dir, ...LLAMA.split('/'));
  const c = cancelWhileVerifying(DATA);
  const argv = ['models', 'download', 'llama-3.2-1b-instruct', '--dtype', 'fp32', '--dir', dir, '--host', h.url];
  assert.equal(await run([...argv, '--cleanup-on-cancel'], c), 130, c.err);
  assert.deepEqual(readdirSync(join(folder, 'onnx')), ['model.onnx']);
});
