/**
 * A plain `npm ci` on a fresh clone must not run onnxruntime-node's download of CUDA libraries (it fails
 * offline and fetches hundreds of MB online): npm 11 reads package.json's allowScripts, npm 10 the
 * project .npmrc. CI runs the README's commands exactly as written, with no extra environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

test('npm 11: allowScripts denies onnxruntime-node and covers every dependency with an install script', (t) => {
  const allow = JSON.parse(read('package.json')).allowScripts as Record<string, boolean>;
  assert.equal(allow['onnxruntime-node'], false);
  const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: root, encoding: 'utf8' });
  if (/Unknown command/i.test(r.stderr + r.stdout))
    return t.skip(`npm ${spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim()} has no allowScripts`);
  assert.match(r.stdout, /No packages with unreviewed install scripts/, r.stdout + r.stderr);
});

test("npm 10: the project .npmrc reaches onnxruntime-node's install script as `skip`", () => {
  // npm passes project config to lifecycle scripts as npm_config_* variables; `npm run env` prints them.
  const r = spawnSync('npm', ['run', 'env'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: '' },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('npm_config_onnxruntime_node_install='));
  assert.ok(line, 'npm does not pass onnxruntime-node-install to scripts');
  const value = line.slice(line.indexOf('=') + 1);
  const { parseInstallFlag } = createRequire(join(root, 'package.json'))(
    'onnxruntime-node/script/install-utils.js',
  ) as { parseInstallFlag(): unknown };
  const saved = { ...process.env };
  try {
    delete process.env.ONNXRUNTIME_NODE_INSTALL;
    delete process.env.ONNXRUNTIME_NODE_INSTALL_CUDA;
    process.env.npm_config_onnxruntime_node_install = value;
    assert.equal(parseInstallFlag(), false, 'false means the install script exits before any download');
  } finally {
    process.env = saved;
  }
});

test("CI runs the README's two commands as written, with no install environment of its own", () => {
  const readme = read('README.md');
  const ci = read('.ci/run');
  const block = /## Try it on a fresh machine\s+```bash\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has its fresh-machine block');
  const commands = block[1]
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
  assert.deepEqual(commands, ['npm ci && npx semantic-flow analyze --format table README.md', 'npm ci && npm test']);
  for (const c of commands)
    assert.ok(
      ci.split('\n').some((l) => l.trim().startsWith(c)),
      `.ci/run runs \`${c}\``,
    );
  assert.doesNotMatch(ci, /ONNXRUNTIME_NODE_INSTALL/);
  assert.doesNotMatch(readme, /ONNXRUNTIME_NODE_INSTALL/);
});
