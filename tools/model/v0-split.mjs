// Rebuilds v0's corpus file list and its train/validation split (v0 = models/semantic-flow-mini
// before v1; its card: 548 files, 13.9 M characters, 6.0 M train / 73.5 k validation tokens).
// The list is: Python 3.11 standard library sources without the test package and without small
// files, i.e. `find /usr/lib/python3.11 -name '*.py' -not -path '*/test/*' -size +2k` (484 files),
// sorted by code point, then /usr/share/doc/nodejs/api/*.md (64 files, sorted). File i is held
// out when i % 50 == 7 (11 files). On Debian bookworm with python3.11 3.11.2 and nodejs-doc this
// reproduces v0's counts exactly: 13,931,623 characters, 5,998,042 train and 73,519 validation tokens.
//
// usage: node tools/model/v0-split.mjs   (prints the 11 validation files and the totals)
import { readdirSync, statSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const byCode = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function walk(dir, keep, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, keep, out);
    else if (e.isFile() && keep(p)) out.push(p);
  }
  return out;
}

export function v0Files() {
  // find -size +2k rounds sizes up to whole KiB, so it keeps files larger than 2048 bytes
  const py = walk(
    '/usr/lib/python3.11',
    (p) => p.endsWith('.py') && !p.includes('/test/') && statSync(p).size > 2048,
  ).sort(byCode);
  const api = '/usr/share/doc/nodejs/api';
  const md = existsSync(api)
    ? readdirSync(api)
        .filter((f) => f.endsWith('.md'))
        .sort(byCode)
        .map((f) => join(api, f))
    : [];
  return [...py, ...md];
}
export const isV0Validation = (i) => i % 50 === 7;

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = v0Files();
  const chars = files.reduce((n, f) => n + Math.min(readFileSync(f, 'utf8').length, 400000), 0);
  files.forEach((f, i) => isV0Validation(i) && console.log(f));
  console.log(
    `${files.length} files (v0: 548), ${chars} characters (v0: 13.9 M); validation: ${files.filter((_, i) => isV0Validation(i)).length} files`,
  );
}
