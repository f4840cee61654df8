// The Marketplace page of a .vsix, as a local HTML file (and a screenshot of its first screen):
//   node tools/listing-preview.mjs FILE.vsix OUT_DIR [--shot FILE.png]
// The page shows what the Marketplace takes from the package: icon, display name, publisher, description,
// categories, tags (the vsixmanifest) and the packaged readme.md rendered with markdown-it (vsce's own
// Markdown renderer). vsce rewrote the README's images to the repository's raw URLs; offline, the preview maps
// them back to the same paths inside the .vsix, so an image shows only if the package holds it.
// --shot needs the e2e harness (playwright-core) and Debian's /usr/bin/chromium.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listZip, readZipEntry } from './package.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const [vsixPath, outArg, ...rest] = process.argv.slice(2);
if (!vsixPath || !outArg) {
  console.error('usage: node tools/listing-preview.mjs FILE.vsix OUT_DIR [--shot FILE.png]');
  process.exit(2);
}
const shot = rest[0] === '--shot' ? resolve(rest[1]) : null;
const out = resolve(outArg);
const buf = readFileSync(vsixPath);
const entries = listZip(buf);
for (const e of entries.filter(
  (x) => !x.name.endsWith('/') && /^extension\/(readme\.md|package\.json|media\/)/.test(x.name),
)) {
  mkdirSync(dirname(join(out, e.name)), { recursive: true });
  writeFileSync(join(out, e.name), readZipEntry(buf, e));
}
const text = (name) =>
  readZipEntry(
    buf,
    entries.find((e) => e.name === name),
  ).toString('utf8');
const pkg = JSON.parse(text('extension/package.json'));
const manifest = text('extension.vsixmanifest');
const tags = (/<Tags>([^<]*)<\/Tags>/.exec(manifest)?.[1] ?? '').split(',').filter(Boolean);
const repo = (pkg.repository?.url ?? '').replace(/\.git$/, '');
const md = require('markdown-it')({ html: true });
const body = md
  .render(text('extension/readme.md'))
  .replaceAll(`${repo}/raw/HEAD/`, pathToFileURL(join(out, 'extension')).href + '/');

const html = `<!doctype html><meta charset="utf-8"><title>${esc(pkg.displayName)} - Visual Studio Marketplace (preview)</title>
<style>
body{margin:0;font:14px/1.5 "Segoe UI",-apple-system,Helvetica,Arial,sans-serif;color:#1f1f1f;background:#fff}
.top{background:${esc(pkg.galleryBanner?.color ?? '#1e1e1e')};color:${pkg.galleryBanner?.theme === 'light' ? '#1f1f1f' : '#fff'};padding:28px 48px;display:flex;gap:28px;align-items:center}
.top img{width:128px;height:128px;image-rendering:auto}.top h1{margin:0;font-size:30px;font-weight:600}.top .pub{opacity:.85;margin:4px 0 8px}
.top .desc{font-size:15px;max-width:760px}.install{display:inline-block;margin-top:12px;background:#107c10;color:#fff;padding:6px 18px;font-weight:600;border-radius:2px}
.main{display:flex;gap:40px;padding:24px 48px}.readme{flex:1;min-width:0;max-width:900px}.readme img{max-width:100%}
.readme table{border-collapse:collapse}.readme td,.readme th{border:1px solid #ddd;padding:6px;vertical-align:top}.readme code{background:#f3f3f3;padding:1px 4px}
.readme pre{background:#f3f3f3;padding:10px;overflow:auto}.side{width:260px;font-size:13px}.side h3{font-size:14px;margin:18px 0 6px}
.tag{display:inline-block;background:#eee;margin:2px;padding:1px 8px;border-radius:2px}
</style>
<div class="top"><img src="extension/${esc(pkg.icon)}" alt=""><div><h1>${esc(pkg.displayName)}</h1>
<div class="pub">${esc(pkg.publisher)} | v${esc(pkg.version)}</div><div class="desc">${esc(pkg.description)}</div><span class="install">Install</span></div></div>
<div class="main"><div class="readme">${body}</div><div class="side"><h3>Categories</h3>${(pkg.categories ?? []).map((c) => `<span class="tag">${esc(c)}</span>`).join(' ')}
<h3>Tags</h3>${tags.map((t) => `<span class="tag">${esc(t)}</span>`).join(' ')}
<h3>Resources</h3>${[
  ['Issues', pkg.bugs?.url],
  ['Repository', repo],
  ['Homepage', pkg.homepage],
  ['Q & A', pkg.qna],
]
  .filter(([, u]) => u)
  .map(([l, u]) => `<div><a href="${esc(u)}">${esc(l)}</a></div>`)
  .join('')}</div></div>`;
writeFileSync(join(out, 'index.html'), html);
console.log(join(out, 'index.html'));

if (shot) {
  const { chromium } = require(require.resolve('playwright-core', { paths: [join(root, 'e2e', 'harness')] }));
  const browser = await chromium.launch({
    executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(join(out, 'index.html')).href);
    const broken = await page.evaluate(async () => {
      await Promise.all(
        [...document.images].map((i) =>
          i.complete
            ? null
            : new Promise((r) => {
                i.onload = i.onerror = r;
              }),
        ),
      );
      return [...document.images].filter((i) => i.naturalWidth === 0).map((i) => i.getAttribute('src'));
    });
    await page.screenshot({ path: shot });
    console.log(shot);
    if (broken.length) {
      console.error(`images that do not show: ${broken.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
  }
}
