// Runs the node:test suites (TypeScript through tsx). Usage: node tools/run-tests.mjs [unit] [integration] [-- extra node args]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const dashes = args.indexOf('--');
const suites = dashes < 0 ? args : args.slice(0, dashes);
const extra = dashes < 0 ? [] : args.slice(dashes + 1);
const roots = (suites.length ? suites : ['unit', 'integration']).map((s) => join('test', s));

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const files = roots.flatMap((r) => find(r));
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}
// A test that hangs fails after 3 minutes instead of holding CI forever.
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=180000', ...extra, ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
