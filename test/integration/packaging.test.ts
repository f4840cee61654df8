/**
 * `npm run package` for linux-x64 into a temporary folder (about 5 s): the .vsix is read back here with
 * its own zip reader and checked, and on a linux-x64 machine its CLI is run from the unpacked tree.
 * Also: the built-in model loads from a copy of its folder without the fp32 file, as q8.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { analyzeText } from '../../src/core/analyze';
import { builtinDefaultDtype, builtinModelDir } from '../../src/engines/builtinModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { readmeImages, walkthroughMedia } from '../../tools/listing.mjs';

const ROOT = join(__dirname, '../..');
const TARGET = 'linux-x64';
const MAX_BYTES = 30 * 1024 * 1024; // linux-x64 is about 23 MB: ONNX Runtime 17 MB + the int8 model 5 MB
const HOST_IS_TARGET = `${process.platform}-${process.arch}` === TARGET;

interface Entry {
  name: string;
  size: number;
  compressedSize: number;
  method: number;
  offset: number;
}

function listZip(buf: Buffer): Entry[] {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'zip end record');
  const entries: Entry[] = [];
  for (let n = 0, p = buf.readUInt32LE(eocd + 16); n < buf.readUInt16LE(eocd + 10); n++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const nameLen = buf.readUInt16LE(p + 28);
    entries.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      offset: buf.readUInt32LE(p + 42),
    });
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return entries;
}

function entryText(buf: Buffer, e: Entry): string {
  const start = e.offset + 30 + buf.readUInt16LE(e.offset + 26) + buf.readUInt16LE(e.offset + 28);
  const data = buf.subarray(start, start + e.compressedSize);
  return (e.method === 8 ? inflateRawSync(data) : data).toString('utf8');
}

let out: string;
let run: { status: number | null; stdout: string; stderr: string; seconds: number };
let summary: {
  file: string;
  bytes: number;
  files: number;
  problems: string[];
  smoke: {
    model: { id: string; dtype: string; device: string };
    summary: { tokens: number; totalBits: number };
  } | null;
};
let vsix: Buffer;
let names: string[];

before(() => {
  out = mkdtempSync(join(tmpdir(), 'sf-package-test-'));
  if (!existsSync(join(ROOT, 'dist', 'cli.js')))
    spawnSync(process.execPath, [join(ROOT, 'tools', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const started = Date.now();
  // Through npm, as a user runs it: the test also sees npm's own warnings.
  const args = [
    'run',
    'package',
    '--',
    '--target',
    TARGET,
    '--out',
    out,
    '--no-build',
    '--json',
    ...(HOST_IS_TARGET ? ['--smoke'] : []),
  ];
  // A clean npm environment, as in a terminal: under `npm test` the outer npm exports its config as npm_config_*.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync('npm', args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  run = { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
  const last = r.stdout.trim().split('\n').pop() ?? '';
  summary = last.startsWith('{') ? JSON.parse(last) : (undefined as never);
  vsix = readFileSync(
    join(out, `semantic-flow-${TARGET}-${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}.vsix`),
  );
  names = listZip(vsix).map((e) => e.name);
});
after(() => rmSync(out, { recursive: true, force: true }));

test('npm run package builds the linux-x64 .vsix, its own checks pass, and it prints size, file count and largest entries', () => {
  assert.equal(run.status, 0, `${run.stderr}\n${run.stdout.slice(-2000)}`);
  assert.deepEqual(summary.problems, []);
  assert.match(run.stdout, /semantic-flow-linux-x64-\d+\.\d+\.\d+\.vsix: [\d.]+ MB \(\d+ bytes\), \d+ files/);
  assert.match(run.stdout, /largest entries/);
  assert.equal(summary.bytes, vsix.length);
  assert.ok(run.seconds < 120, `packaging took ${run.seconds} s`);
});

/**
 * npm itself warns about .npmrc's onnxruntime-node-install key on every command (README: it keeps npm 10 from
 * fetching CUDA libraries, and goes when npm 10 is no longer supported); that one line is npm's, not packaging's.
 */
const NPMRC_KEY_WARNING = /^npm warn Unknown project config "onnxruntime-node-install"\./;

test('npm run package prints no warning (vsce: repository, LICENSE, activation, file count, README links)', () => {
  const warnings = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((l) => /\bwarn(ing)?\b/i.test(l) && !NPMRC_KEY_WARNING.test(l));
  assert.deepEqual(warnings, []);
});

test("every README image and walkthrough medium is in the .vsix, and the packaged README links each to the repository's copy", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const images = readmeImages(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(images.length >= 4, `${images.length} README images`);
  for (const f of [...images, ...walkthroughMedia(pkg), 'media/walkthrough/sample-prompt.md'])
    assert.ok(names.includes(`extension/${f}`), `missing ${f}`);
  // The Marketplace page renders the packaged readme.md, where relative links would not resolve: vsce points
  // them at the repository (package.json "repository"), at the same path the package holds.
  const packaged = readmeImages(entryText(vsix, listZip(vsix).find((e) => e.name === 'extension/readme.md')!));
  const base = pkg.repository.url.replace(/\.git$/, '');
  assert.deepEqual(
    packaged,
    images.map((src) => `${base}/raw/HEAD/${src}`),
  );
});

test('vsce ls lists exactly the files the allow-list admits', async () => {
  const tool = join(ROOT, 'tools', 'package.mjs');
  const { allowedRepoFiles } = (await import(tool)) as { allowedRepoFiles(ignoreText: string): string[] };
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const listed = r.stdout.trim().split('\n').sort();
  assert.deepEqual(listed, allowedRepoFiles(readFileSync(join(ROOT, '.vscodeignore'), 'utf8')));
  for (const f of listed) assert.doesNotMatch(f, /^(src|test|e2e|tools|bench|webview|docs|node_modules)\/|\.map$/, f);
});

test('the .vsix holds the bundles, the webview, the int8 built-in model and this target’s ONNX Runtime', () => {
  for (const f of [
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/worker.js',
    'extension/dist/cli.js',
    'extension/dist/webview/webview.js',
    'extension/dist/webview/webview.css',
    'extension/models/semantic-flow-mini/config.json',
    'extension/models/semantic-flow-mini/tokenizer.json',
    'extension/models/semantic-flow-mini/tokenizer_config.json',
    'extension/models/semantic-flow-mini/onnx/model_quantized.onnx',
    'extension/dist/node_modules/onnxruntime-node/package.json',
    'extension/dist/node_modules/onnxruntime-node/dist/index.js',
    'extension/dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
    'extension/dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
    'extension/dist/node_modules/onnxruntime-common/dist/cjs/index.js',
  ]) {
    assert.ok(names.includes(f), `missing ${f}`);
  }
  const manifest = entryText(vsix, listZip(vsix).find((e) => e.name === 'extension.vsixmanifest')!);
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  const pkg = JSON.parse(entryText(vsix, listZip(vsix).find((e) => e.name === 'extension/package.json')!));
  assert.equal(pkg.scripts, undefined, 'no scripts in the shipped manifest');
  assert.equal(pkg.main, './dist/extension.js');
});

test('no fp32 model, no development folders, no source maps, no other platform’s binaries, no GPU provider libraries; under the size bound', () => {
  assert.ok(!names.includes('extension/models/semantic-flow-mini/onnx/model.onnx'), 'fp32 model shipped');
  for (const n of names) {
    assert.doesNotMatch(n, /^extension\/(src|test|e2e|tools|bench|webview|docs|node_modules)\//, n);
    assert.doesNotMatch(n, /\.(map|ts)$/, n);
    assert.doesNotMatch(n, /providers_(cuda|tensorrt|shared)/, n);
    if (n.includes('/onnxruntime-node/bin/')) assert.match(n, /\/bin\/napi-v\d+\/linux\/x64\/[^/]+$/, n);
  }
  assert.ok(
    names.filter((n) => n.includes('/onnxruntime-node/bin/')).length <= 3,
    names.filter((n) => n.includes('/bin/')).join(', '),
  );
  assert.ok(vsix.length < MAX_BYTES, `${vsix.length} bytes`);
});

test('the packaged CLI scores a text with its own built-in model and ONNX Runtime (linux-x64 hosts)', {
  skip: !HOST_IS_TARGET && 'not a linux-x64 machine',
}, () => {
  assert.ok(summary.smoke, run.stdout);
  assert.equal(summary.smoke.model.id, 'semantic-flow-mini');
  assert.equal(summary.smoke.model.dtype, 'q8');
  assert.ok(summary.smoke.summary.tokens > 5);
  assert.ok(Number.isFinite(summary.smoke.summary.totalBits) && summary.smoke.summary.totalBits > 0);
});

test('a target onnxruntime-node has no binary for is refused with a clear message', () => {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'tools', 'package.mjs'), '--target', 'darwin-x64', '--out', out, '--no-build'],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr, /has no binary for darwin-x64 \(it has: .*linux-x64/);
  const bad = spawnSync(
    process.execPath,
    [join(ROOT, 'tools', 'package.mjs'), '--target', 'solaris-sparc', '--no-build'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /not one of: linux-x64/);
});

test('the built-in model without onnx/model.onnx (as in the .vsix) defaults to q8 and scores text', async () => {
  const src = builtinModelDir();
  const dir = mkdtempSync(join(tmpdir(), 'sf-builtin-int8-'));
  try {
    mkdirSync(join(dir, 'onnx'));
    for (const f of [
      'config.json',
      'generation_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model_quantized.onnx',
    ]) {
      if (existsSync(join(src, f))) copyFileSync(join(src, f), join(dir, f));
    }
    assert.equal(builtinDefaultDtype(dir), 'q8');
    const model = await OnnxModel.load({ modelDir: dir, dtype: builtinDefaultDtype(dir), fuseMeasures: false });
    try {
      assert.equal(model.info.dtype, 'q8');
      const r = await analyzeText('The quick brown fox jumps over the lazy dog.', model);
      assert.ok(r.summary.scoredTokens > 5 && Number.isFinite(r.summary.totalBits));
    } finally {
      await model.dispose();
    }
    await assert.rejects(
      OnnxModel.load({ modelDir: dir, dtype: 'fp32' }),
      /no onnx\/model\.onnx for dtype fp32; available dtypes: q8/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
