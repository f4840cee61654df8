/** Where a Hub id is looked up: downloaded models folders, then the local Hugging Face cache; never the network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticFlowError } from '../../../src/core/errors';
import { findHubSnapshot, hubCacheRoots, loadModel } from '../../../src/worker/loadModel';

test('the newest snapshot holding a config.json is found in the Hub cache layout', () => {
  const root = mkdtempSync(join(tmpdir(), 'sf-hub-'));
  const snaps = join(root, 'models--Xenova--gpt2', 'snapshots');
  for (const [rev, withConfig, mtime] of [['old', true, 1000], ['new', true, 2000], ['broken', false, 3000]] as const) {
    mkdirSync(join(snaps, rev), { recursive: true });
    if (withConfig) writeFileSync(join(snaps, rev, 'config.json'), '{}');
    utimesSync(join(snaps, rev), mtime, mtime);
  }
  assert.equal(findHubSnapshot('Xenova/gpt2', [root]), join(snaps, 'new'));
  assert.equal(findHubSnapshot('Xenova/other', [root]), null);
});

test('HF_HUB_CACHE and HF_HOME come before the default cache', () => {
  const roots = hubCacheRoots({ HF_HUB_CACHE: '/a', HF_HOME: '/b' });
  assert.deepEqual(roots.slice(0, 2), ['/a', join('/b', 'hub')]);
});

test('a Hub id that is nowhere on disk fails as model-not-found, naming where it looked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-models-'));
  await assert.rejects(
    loadModel({ kind: 'onnx', id: 'nobody/none', modelDir: null, hubId: 'nobody/none', modelsDirs: [dir], device: 'cpu', dtype: 'fp32' }),
    (e) => e instanceof SemanticFlowError && e.code === 'model-not-found' && e.message.includes(dir) && /not on this machine/.test(e.message),
  );
});
