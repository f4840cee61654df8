// Builds a platform-specific .vsix: `npm run package [-- --target T] [--out DIR] [--no-build] [--smoke] [--json]`.
//
// How: build (tools/build.mjs), stage into a temporary folder the files .vscodeignore allows, add only
// the target's onnxruntime-node binaries (+ its JS and onnxruntime-common) under dist/node_modules, where
// the bundles' require('onnxruntime-node') finds them, write a staged .vscodeignore with rules generated
// for that target, and run `vsce package --no-dependencies --target T` there. Nothing in the repository
// is touched except the output file; the staged package.json has no scripts, so vsce runs no
// `vscode:prepublish` (and never npm). Then the .vsix is read back, its size, file count and largest
// entries are printed, and its contents are checked (exit 1 on a problem).
//   --target   linux-x64 (default: this machine), linux-arm64, darwin-arm64, darwin-x64, win32-x64, win32-arm64
//   --out DIR  output folder (default dist/); the file is semantic-flow-<target>-<version>.vsix
//   --no-build use the bundles already in dist/
//   --smoke    (target = this machine only) unpack the .vsix and run its CLI on a short text
//   --json     print one JSON summary line last (for tests)
//   --max-mb N fail when the .vsix is larger (default 40)
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { listingFiles } from './listing.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const MB = 1024 * 1024;
/** GPU provider libraries that an `npm install` of onnxruntime-node may add on linux-x64 (CUDA 230 MB+); never shipped. */
const PROVIDER_LIB = /(^|\/)lib(onnxruntime_)?providers_(cuda|tensorrt|shared|rocm|migraphx|openvino)[^/]*$/;

const toPosix = (p) => p.split(sep).join('/');
const mb = (n) => `${(n / MB).toFixed(2)} MB`;

function walk(dir, base = dir) {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [toPosix(relative(base, dir))];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name), base) : d.isFile() ? [toPosix(relative(base, join(dir, d.name)))] : [],
  );
}

/** A .vscodeignore pattern as a RegExp over posix paths (`**`, `*`, `?`; a folder name also covers its contents). */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** Repository files the allow-list (`!pattern` lines of .vscodeignore) admits. */
export function allowedRepoFiles(ignoreText, repo = root) {
  const allow = ignoreText
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/^\//, ''));
  const files = new Set();
  for (const pattern of allow) {
    const literal = pattern.split('/');
    const cut = literal.findIndex((part) => /[*?]/.test(part));
    const base = cut < 0 ? pattern : literal.slice(0, cut).join('/');
    const re = globToRegExp(pattern);
    for (const f of walk(join(repo, base), repo)) if (re.test(f)) files.add(f);
  }
  return [...files].sort();
}

/** What of onnxruntime-node / onnxruntime-common one target needs at run time: [packageName, relativePath][]. */
export function runtimeFiles(target, repo = root) {
  const [platform, arch] = target.split('-');
  const ortDir = join(repo, 'node_modules', 'onnxruntime-node');
  const napi = readdirSync(join(ortDir, 'bin')).filter((d) => /^napi-v\d+$/.test(d));
  const bins = napi.flatMap((n) =>
    walk(join(ortDir, 'bin', n, platform, arch)).map((f) => `bin/${n}/${platform}/${arch}/${f}`),
  );
  // macOS: the binding links @rpath/libonnxruntime.1.dylib; npm unpacks the versioned name
  // (libonnxruntime.1.30.0.dylib) as a second, identical 44 MB copy, which nothing loads.
  const duplicate = (f) =>
    /\/libonnxruntime\.\d+\.\d+\.\d+\.dylib$/.test(f) &&
    bins.includes(f.replace(/\.\d+\.\d+\.\d+\.dylib$/, '.1.dylib'));
  const leaveOut = (f) => PROVIDER_LIB.test(f) || duplicate(f);
  const skipped = bins.filter(leaveOut).map((f) => ({
    file: `onnxruntime-node/${f}`,
    bytes: statSync(join(ortDir, f)).size,
    why: PROVIDER_LIB.test(f) ? 'GPU provider library' : 'duplicate of libonnxruntime.1.dylib',
  }));
  const shipped = bins.filter((f) => !leaveOut(f));
  if (!shipped.some((f) => f.endsWith('/onnxruntime_binding.node'))) {
    const have = napi.flatMap((n) =>
      readdirSync(join(ortDir, 'bin', n)).flatMap((p) =>
        readdirSync(join(ortDir, 'bin', n, p)).map((a) => `${p}-${a}`),
      ),
    );
    throw new Error(
      `onnxruntime-node ${readJson(join(ortDir, 'package.json')).version} has no binary for ${target} (it has: ${[...new Set(have)].sort().join(', ')}).`,
    );
  }
  const ort = [
    'package.json',
    'README.md',
    ...walk(join(ortDir, 'dist'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => `dist/${f}`),
    ...shipped,
  ];
  const commonDir = join(repo, 'node_modules', 'onnxruntime-common');
  const common = [
    'package.json',
    'README.md',
    ...walk(join(commonDir, 'dist', 'cjs'))
      .filter((f) => f.endsWith('.js') || f === 'package.json')
      .map((f) => `dist/cjs/${f}`),
  ];
  return {
    files: [...ort.map((f) => ['onnxruntime-node', f]), ...common.map((f) => ['onnxruntime-common', f])].filter(
      ([p, f]) => existsSync(join(repo, 'node_modules', p, f)),
    ),
    skipped,
  };
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Entries of a zip file from its central directory: { name, size, compressedSize, method, offset }. */
export function listZip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new Error('zip64 archives are not supported');
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry ${n}`);
    const nameLen = buf.readUInt16LE(p + 28),
      extraLen = buf.readUInt16LE(p + 30),
      commentLen = buf.readUInt16LE(p + 32);
    entries.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      offset: buf.readUInt32LE(p + 42),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** One entry's bytes (stored or deflated). */
export function readZipEntry(buf, e) {
  if (buf.readUInt32LE(e.offset) !== 0x04034b50) throw new Error(`bad local header for ${e.name}`);
  const start = e.offset + 30 + buf.readUInt16LE(e.offset + 26) + buf.readUInt16LE(e.offset + 28);
  const data = buf.subarray(start, start + e.compressedSize);
  if (e.method === 0) return Buffer.from(data);
  if (e.method === 8) return inflateRawSync(data);
  throw new Error(`${e.name}: unsupported compression method ${e.method}`);
}

/**
 * Problems with a target's .vsix listing (empty when it is right). `listing`: repository paths the README's
 * images and the walkthrough show, which must be in the package (listing.mjs).
 */
export function checkVsix(names, target, vsixBytes, maxBytes = 40 * MB, listing = []) {
  const [platform, arch] = target.split('-');
  const problems = [];
  const has = new Set(names);
  const ortBin = `extension/dist/node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/`;
  const required = [
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/worker.js',
    'extension/dist/cli.js',
    'extension/dist/webview/webview.js',
    'extension/dist/webview/webview.css',
    'extension/media/icon.png',
    'extension/media/walkthrough/sample-prompt.md', // Analyze Sample reads it (commands/gettingStarted.ts)
    'extension/models/semantic-flow-mini/config.json',
    'extension/models/semantic-flow-mini/tokenizer.json',
    'extension/models/semantic-flow-mini/tokenizer_config.json',
    'extension/models/semantic-flow-mini/onnx/model_quantized.onnx',
    'extension/dist/node_modules/onnxruntime-node/package.json',
    'extension/dist/node_modules/onnxruntime-node/dist/index.js',
    'extension/dist/node_modules/onnxruntime-node/dist/binding.js',
    `${ortBin}onnxruntime_binding.node`,
    'extension/dist/node_modules/onnxruntime-common/package.json',
    'extension/dist/node_modules/onnxruntime-common/dist/cjs/index.js',
    'extension/dist/node_modules/onnxruntime-common/dist/cjs/package.json',
  ];
  for (const r of required) if (!has.has(r)) problems.push(`missing ${r}`);
  for (const f of listing)
    if (!has.has(`extension/${f}`)) problems.push(`missing ${f}, which the README or the walkthrough shows`);
  for (const n of names) {
    if (n === 'extension/models/semantic-flow-mini/onnx/model.onnx') problems.push(`fp32 model shipped: ${n}`);
    else if (/^extension\/(src|test|e2e|tools|bench|webview|docs|bin|node_modules|\.ci|\.git)\//.test(n))
      problems.push(`development folder shipped: ${n}`);
    else if (/^extension\/models\/(?!semantic-flow-mini\/)/.test(n)) problems.push(`other model shipped: ${n}`);
    else if (/\.(map|ts)$/.test(n)) problems.push(`source map or TypeScript shipped: ${n}`);
    else if (/\/onnxruntime-node\/bin\//.test(n) && !n.startsWith(ortBin))
      problems.push(`another platform's ONNX Runtime binary: ${n}`);
    else if (PROVIDER_LIB.test(n)) problems.push(`GPU provider library shipped: ${n}`);
    else if (/\/libonnxruntime\.\d+\.\d+\.\d+\.dylib$/.test(n))
      problems.push(`duplicate ONNX Runtime library shipped: ${n}`);
  }
  if (vsixBytes > maxBytes) problems.push(`the .vsix is ${mb(vsixBytes)}, more than ${mb(maxBytes)}`);
  return problems;
}

function parseArgs(argv) {
  const o = {
    target: `${process.platform}-${process.arch}`,
    out: join(root, 'dist'),
    build: true,
    smoke: false,
    json: false,
    maxMb: 40,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--target' || a === '-t') o.target = value();
    else if (a.startsWith('--target=')) o.target = a.slice(9);
    else if (a === '--out' || a === '-o') o.out = resolve(value());
    else if (a === '--no-build') o.build = false;
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--json') o.json = true;
    else if (a === '--max-mb') o.maxMb = Number(value());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!TARGETS.includes(o.target)) throw new Error(`--target ${o.target} is not one of: ${TARGETS.join(', ')}`);
  return o;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

/** Unpacks the .vsix, runs its CLI on a short text from inside the unpacked tree; returns what it printed. */
function smoke(buf, entries) {
  const dir = mkdtempSync(join(tmpdir(), 'semantic-flow-vsix-'));
  try {
    for (const e of entries) {
      if (e.name.endsWith('/')) continue;
      const to = join(dir, ...e.name.split('/'));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, readZipEntry(buf, e));
    }
    const ext = join(dir, 'extension');
    writeFileSync(join(dir, 'sample.txt'), 'The quick brown fox jumps over the lazy dog.\n');
    const env = { ...process.env };
    delete env.SEMANTIC_FLOW_MODEL; // the built-in model of the unpacked tree, nothing else
    delete env.NODE_PATH; // onnxruntime-node must come from the unpacked tree
    // No --dtype: the .vsix holds the int8 model only, and the default must find it (builtinDefaultDtype).
    const r = spawnSync(
      process.execPath,
      [join(ext, 'dist', 'cli.js'), 'analyze', '--format', 'json', join(dir, 'sample.txt')],
      {
        cwd: ext,
        encoding: 'utf8',
        env,
        timeout: 120_000,
      },
    );
    if (r.status !== 0) throw new Error(`packaged CLI failed (exit ${r.status}): ${r.stderr.trim()}`);
    const res = JSON.parse(r.stdout);
    return { model: res.model, summary: res.summary, stderr: r.stderr.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (o.build) run(process.execPath, [join(root, 'tools', 'build.mjs')], root);
  const pkg = readJson(join(root, 'package.json'));
  const ignoreText = readFileSync(join(root, '.vscodeignore'), 'utf8');
  const repoFiles = allowedRepoFiles(ignoreText);
  for (const f of ['dist/extension.js', 'dist/worker.js', 'dist/cli.js']) {
    if (!repoFiles.includes(f)) throw new Error(`${f} is missing: run npm run build (or drop --no-build)`);
  }
  const { files: ortFiles, skipped } = runtimeFiles(o.target);

  const stage = mkdtempSync(join(tmpdir(), 'semantic-flow-stage-'));
  mkdirSync(o.out, { recursive: true });
  const outFile = join(o.out, `semantic-flow-${o.target}-${pkg.version}.vsix`);
  try {
    for (const f of repoFiles) {
      if (f === 'package.json') continue;
      mkdirSync(dirname(join(stage, f)), { recursive: true });
      copyFileSync(join(root, f), join(stage, f));
    }
    for (const [p, f] of ortFiles) {
      const to = join(stage, 'dist', 'node_modules', p, f);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(root, 'node_modules', p, f), to);
    }
    // The shipped manifest: no scripts (vsce would run vscode:prepublish), no dev-only fields.
    const { scripts, devDependencies, bin, ...manifest } = pkg;
    void scripts, void devDependencies, void bin;
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const [platform, arch] = o.target.split('-');
    const generated = [
      `# generated for ${o.target} by tools/package.mjs`,
      '!dist/node_modules/onnxruntime-node/package.json',
      '!dist/node_modules/onnxruntime-node/README.md',
      '!dist/node_modules/onnxruntime-node/dist/*.js',
      `!dist/node_modules/onnxruntime-node/bin/napi-v*/${platform}/${arch}/**`,
      '!dist/node_modules/onnxruntime-common/package.json',
      '!dist/node_modules/onnxruntime-common/README.md',
      '!dist/node_modules/onnxruntime-common/dist/cjs/**/*.js',
      '!dist/node_modules/onnxruntime-common/dist/cjs/package.json',
    ];
    // (vsce lets any `!` rule win over every ignore rule, so exclusions such as GPU provider libraries and
    // source maps are made when staging, above, not here.)
    writeFileSync(join(stage, '.vscodeignore'), `${ignoreText.trimEnd()}\n${generated.join('\n')}\n`);
    rmSync(outFile, { force: true });
    const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    run(process.execPath, [vsce, 'package', '--no-dependencies', '--target', o.target, '--out', outFile], stage);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }

  const buf = readFileSync(outFile);
  const entries = listZip(buf);
  const files = entries.filter((e) => !e.name.endsWith('/'));
  const unpacked = files.reduce((n, e) => n + e.size, 0);
  const largest = [...files].sort((a, b) => b.compressedSize - a.compressedSize).slice(0, 10);
  console.log(
    `\n${relative(process.cwd(), outFile) || outFile}: ${mb(buf.length)} (${buf.length} bytes), ${files.length} files, ${mb(unpacked)} unpacked, target ${o.target}`,
  );
  console.log('largest entries (in the .vsix / unpacked):');
  for (const e of largest)
    console.log(`  ${mb(e.compressedSize).padStart(10)} / ${mb(e.size).padStart(10)}  ${e.name}`);
  for (const s of skipped) console.log(`left out (${s.why}): ${s.file} ${mb(s.bytes)}`);
  const problems = checkVsix(
    files.map((e) => e.name),
    o.target,
    buf.length,
    o.maxMb * MB,
    listingFiles(pkg, readFileSync(join(root, 'README.md'), 'utf8')),
  );
  let smokeResult;
  if (o.smoke) {
    if (o.target !== `${process.platform}-${process.arch}`)
      problems.push(`--smoke needs the target to be this machine (${process.platform}-${process.arch})`);
    else {
      smokeResult = smoke(buf, entries);
      const m = smokeResult.model,
        s = smokeResult.summary;
      console.log(
        `smoke: packaged CLI scored ${s.tokens} tokens with ${m.id} on ${m.device} (${m.dtype}): ${s.totalBits.toFixed(2)} bits, ${s.bitsPerToken.toFixed(3)} bits/token`,
      );
    }
  }
  for (const p of problems) console.error(`package: ${p}`);
  console.log(
    problems.length
      ? `package: ${problems.length} problem(s)`
      : `package: checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (o.json) {
    console.log(
      JSON.stringify({
        file: outFile,
        target: o.target,
        bytes: buf.length,
        files: files.length,
        unpackedBytes: unpacked,
        largest: largest.map((e) => ({ name: e.name, bytes: e.size, compressedBytes: e.compressedSize })),
        skipped,
        problems,
        smoke: smokeResult ?? null,
      }),
    );
  }
  process.exitCode = problems.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`package: ${e.message}`);
    process.exit(1);
  });
}
