/**
 * Documents and scripts name paths inside the repository (or a variable the user sets), never a folder
 * that exists only on the machine that built them; the model pipeline's v0 is in the repository's history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });

test('no document or script names an absolute folder of the build machine', () => {
  const files = git('ls-files')
    .split('\n')
    .filter(
      (f) =>
        /^(README\.md|CHANGELOG\.md|\.ci\/|docs\/|tools\/|e2e\/(?!fixtures)|bench\/|models\/.*\.md$)/.test(f) &&
        !/\.(onnx|bin|png|json)$/.test(f),
    );
  assert.ok(files.includes('tools/model/pipeline.sh') && files.includes('e2e/README.md'));
  const found = files.flatMap((f) =>
    readFileSync(join(root, f), 'utf8')
      .split('\n')
      .flatMap((l, i) => (/(^|[\s"'`(=])\/(work|home|root)\//.test(l) ? [`${f}:${i + 1}: ${l.trim()}`] : [])),
  );
  assert.deepEqual(found, []);
});

test("the pipeline's v0 commit holds the 4-layer, 128-position model it starts from", (t) => {
  const commit = /^V0_COMMIT=([0-9a-f]{40})$/m.exec(
    readFileSync(join(root, 'tools', 'model', 'pipeline.sh'), 'utf8'),
  )?.[1];
  assert.ok(commit, 'pipeline.sh names the v0 commit');
  let config: { n_layer: number; n_positions: number };
  try {
    config = JSON.parse(git('show', `${commit}:models/semantic-flow-mini/config.json`));
  } catch {
    return t.skip('a shallow clone without that commit');
  }
  assert.deepEqual([config.n_layer, config.n_positions], [4, 128]);
});
