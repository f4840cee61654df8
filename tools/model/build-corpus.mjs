// Step 1: assemble the training corpus from text that Debian packages installed on this machine,
// and the two validation splits. Writes work/corpus/manifest.tsv (split, category, file) plus
// rendered/decompressed texts under work/corpus/text/, and packages.txt (installed Debian packages:
// the corpus is deterministic for a given set of installed packages).
//
//   category v0    : v0's corpus, rebuilt by v0-split.mjs (Python 3.11 stdlib sources without tests,
//                    then the Node.js API docs; 548 files); v0's 11 held-out files get split "val-v0".
//   category prose : English prose: /usr/share/common-licenses, /usr/share/doc/*/copyright (deduplicated),
//                    README/NEWS files, changelog.Debian.gz (head), man pages (groff -Tutf8, plain text).
//   category code  : more code: Python under /usr/lib/python3/dist-packages (no tests), C headers
//                    under /usr/include.
//   For prose and code, every 50th file (i % 50 == 7, per category) is held out (split "val-new").
//
// usage: node tools/model/build-corpus.mjs [WORK_DIR=tools/model/work] [--without-packages FILE]
//   --without-packages FILE: Debian package names (one a line) whose installed files are treated as
//   absent, to rebuild a corpus made before those packages were installed (see README, "v1's corpus").
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync, lstatSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { join, basename } from 'node:path';
import { v0Files } from './v0-split.mjs';

const args = process.argv.slice(2);
const wpIdx = args.indexOf('--without-packages');
const withoutFile = wpIdx >= 0 ? args.splice(wpIdx, 2)[1] : null;
const work = args[0] ?? new URL('./work', import.meta.url).pathname;
// files owned by the --without-packages packages (dpkg -L), skipped everywhere below
const absent = new Set();
if (withoutFile) {
  for (const pkg of readFileSync(withoutFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))) {
    let files = '';
    try {
      files = execFileSync('dpkg', ['-L', pkg], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
    } catch {
      continue;
    } // not installed
    for (const f of files.split('\n')) if (f) absent.add(f);
  }
}
const present = (p) => !absent.has(p);
const textDir = join(work, 'corpus', 'text');
mkdirSync(textDir, { recursive: true });
const MAX_CHARS = 400000; // same per-file cap as v0's tokenizer

const byCode = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function walk(dir, keep, out = []) {
  let ents;
  try {
    ents = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of ents) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, keep, out);
    else if (e.isFile() && present(p) && keep(p)) out.push(p);
  }
  return out;
}
const size = (p) => statSync(p).size;
const readText = (p) => {
  const b = readFileSync(p);
  return (p.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
};
// keep texts that decode as mostly-clean UTF-8 and are not mostly non-letters
const looksLikeText = (t) => t.length > 200 && (t.match(/\uFFFD/g)?.length ?? 0) < 5 && !t.includes('\u0000');

const seen = new Set();
const unique = (t) => {
  const h = createHash('sha1').update(t).digest('hex');
  if (seen.has(h)) return false;
  seen.add(h);
  return true;
};
let nText = 0;
const saveText = (t, tag) => {
  const f = join(
    textDir,
    `${String(nText++).padStart(5, '0')}-${tag.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60)}.txt`,
  );
  writeFileSync(f, t.slice(0, MAX_CHARS));
  return f;
};

const rows = [];
const stats = {};
function add(category, files, splitName) {
  files.forEach((f, i) => {
    const split = i % 50 === 7 ? splitName : 'train';
    rows.push([split, category, f]);
    const k = `${category}/${split}`;
    stats[k] ??= { files: 0, chars: 0 };
    stats[k].files++;
    stats[k].chars += Math.min(readFileSync(f, 'utf8').length, MAX_CHARS);
  });
}

// ---- v0's corpus, in v0's order (v0-split.mjs) ----
const v0List = v0Files();
for (const f of v0List) unique(readFileSync(f, 'utf8'));
add('v0', v0List, 'val-v0');

// ---- prose ----
const prose = [];
const takeProse = (t, tag, cap) => {
  t = t.slice(0, cap);
  if (looksLikeText(t) && unique(t)) prose.push(saveText(t, tag));
};
for (const f of readdirSync('/usr/share/common-licenses').sort(byCode)) {
  const p = `/usr/share/common-licenses/${f}`;
  if (lstatSync(p).isFile() && present(p)) takeProse(readText(p), `license-${f}`, MAX_CHARS);
}
const docPkgs = readdirSync('/usr/share/doc').sort(byCode);
for (const pkg of docPkgs) {
  const dir = `/usr/share/doc/${pkg}`;
  if (pkg === 'nodejs') continue; // its API docs are in category v0
  let ents;
  try {
    ents = readdirSync(dir).sort(byCode);
  } catch {
    continue;
  }
  for (const f of ents) {
    const p = join(dir, f);
    if (!lstatSync(p).isFile() || !present(p)) continue;
    try {
      if (f === 'copyright') takeProse(readText(p), `${pkg}-copyright`, 60000);
      else if (/^(README|NEWS)([.](Debian|md|txt|rst))?([.]gz)?$/i.test(f))
        takeProse(readText(p), `${pkg}-${f}`, 60000);
      else if (f === 'changelog.Debian.gz') takeProse(readText(p), `${pkg}-changelog`, 12000);
    } catch {
      /* unreadable: skip */
    }
  }
}
// man pages: English sections 1, 5, 7, 8; files over 1.5 KB compressed; the ~16k near-identical
// gcloud_* pages (Google Cloud SDK) are thinned to every 50th. Rendered 100 columns wide without
// hyphenation; justification spaces are collapsed.
const manFiles = [];
for (const s of ['man1', 'man5', 'man7', 'man8']) {
  const d = `/usr/share/man/${s}`;
  if (!existsSync(d)) continue;
  for (const f of readdirSync(d).sort(byCode)) {
    const p = join(d, f);
    if (lstatSync(p).isFile() && present(p) && f.endsWith('.gz') && size(p) > 1500) manFiles.push(p);
  }
}
let nGcloud = 0;
manFiles
  .filter((p) => !basename(p).startsWith('gcloud') || nGcloud++ % 50 === 0)
  .forEach((p) => {
    try {
      const src = gunzipSync(readFileSync(p));
      if (src.subarray(0, 3).toString() === '.so') return; // alias page
      const out = execFileSync('groff', ['-t', '-man', '-Tutf8', '-P-cbou', '-rLL=100n', '-rHY=0'], {
        input: src,
        stdio: ['pipe', 'pipe', 'ignore'],
        maxBuffer: 64 << 20,
      }).toString('utf8');
      const plain = out.replace(/(\S) {2,}(?=\S)/g, '$1 ').replace(/\n{3,}/g, '\n\n');
      takeProse(plain, `man-${basename(p, '.gz')}`, 60000);
    } catch {
      /* groff failure: skip */
    }
  });
add('prose', prose, 'val-new');

// ---- more code ----
const noTests = (p) => !/\/(tests?|testing)\//.test(p) && !/\/test_[^/]*$/.test(p);
const distPy = walk(
  '/usr/lib/python3/dist-packages',
  (p) => p.endsWith('.py') && noTests(p) && size(p) > 2048 && size(p) < 200000,
).sort(byCode);
const headers = walk('/usr/include', (p) => p.endsWith('.h') && size(p) > 2048 && size(p) < 200000).sort(byCode);
const code = [];
const takeCode = (list, every) =>
  list
    .filter((_, i) => i % every === 0)
    .forEach((p) => {
      try {
        const t = readFileSync(p, 'utf8');
        if (looksLikeText(t) && unique(t)) code.push(p);
      } catch {}
    });
takeCode(distPy, 6);
takeCode(headers, 20);
add('code', code, 'val-new');

writeFileSync(join(work, 'corpus', 'manifest.tsv'), rows.map((r) => r.join('\t')).join('\n') + '\n');
writeFileSync(join(work, 'corpus', 'stats.json'), JSON.stringify(stats, null, 1));
// the corpus depends on what is installed: keep the package list next to it
try {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
  const listed = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n']).toString('utf8');
  const skip = new Set(
    absent.size
      ? readFileSync(withoutFile, 'utf8')
          .split('\n')
          .map((l) => l.trim())
      : [],
  );
  writeFileSync(
    join(work, 'corpus', 'packages.txt'),
    listed
      .split('\n')
      .filter((l) => l && !skip.has(l.split(' ')[0].split(':')[0]))
      .join('\n') + '\n',
  );
} catch {
  /* not Debian */
}
console.log(JSON.stringify(stats));
