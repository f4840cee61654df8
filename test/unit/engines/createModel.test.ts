/** Where a Hub id is looked up: downloaded models folders, then the local Hugging Face cache; never the network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticFlowError } from '../../../src/core/errors';
import { findHubSnapshot, hubCacheRoots } from '../../../src/engines/catalog/hubCache';
import { completeDtypes } from '../../../src/engines/catalog/localModels';
import { createModel } from '../../../src/engines/createModel';

test('the newest snapshot holding a config.json is found in the Hub cache layout', () => {
  const root = mkdtempSync(join(tmpdir(), 'sf-hub-'));
  const snaps = join(root, 'models--Xenova--gpt2', 'snapshots');
  for (const [rev, withConfig, mtime] of [
    ['old', true, 1000],
    ['new', true, 2000],
    ['broken', false, 3000],
  ] as const) {
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
    createModel({
      kind: 'onnx',
      id: 'nobody/none',
      modelDir: null,
      hubId: 'nobody/none',
      modelsDirs: [dir],
      device: 'cpu',
      dtype: 'fp32',
    }),
    (e) =>
      e instanceof SemanticFlowError &&
      e.code === 'model-not-found' &&
      e.message.includes(dir) &&
      /not on this machine/.test(e.message),
  );
});

/** A models folder with `<root>/o/m/` holding `files` (paths relative to the model folder). */
function modelsFolder(files: string[]): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'sf-models-'));
  const dir = join(root, 'o', 'm');
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '{}');
  }
  return { root, dir };
}
const hubEngine = (root: string, dtype: 'fp32' | 'q8' = 'fp32') => ({
  kind: 'onnx' as const,
  id: 'o/m',
  modelDir: null,
  hubId: 'o/m',
  modelsDirs: [root],
  device: 'cpu' as const,
  dtype,
});

test('a downloaded folder is complete for a dtype only with config, tokenizer and that ONNX file, and no external data in .part', () => {
  assert.equal(
    completeDtypes(modelsFolder(['config.json', 'tokenizer.json', 'onnx/model.onnx']).dir).includes('fp32'),
    true,
  );
  assert.equal(
    completeDtypes(modelsFolder(['config.json', 'tokenizer.json', 'onnx/model.onnx']).dir).includes('q8'),
    false,
  );
  assert.equal(
    completeDtypes(modelsFolder(['config.json', 'tokenizer.json', 'onnx/model.onnx.part']).dir).includes('fp32'),
    false,
  );
  assert.equal(completeDtypes(modelsFolder(['config.json', 'onnx/model.onnx']).dir).includes('fp32'), false);
  assert.equal(
    completeDtypes(
      modelsFolder(['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model.onnx_data.part']).dir,
    ).includes('fp32'),
    false,
  );
});

test('an interrupted download is never loaded: model-not-found says it is partial and how to resume', async () => {
  const { root, dir } = modelsFolder([
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'onnx/model.onnx.part',
  ]);
  await assert.rejects(
    createModel(hubEngine(root)),
    (e) =>
      e instanceof SemanticFlowError &&
      e.code === 'model-not-found' &&
      e.message.includes(dir) &&
      /not complete for fp32: its download was interrupted \(onnx\/model\.onnx is still partial\)/.test(e.message) &&
      /Select Model/.test(e.message) &&
      /resumed/.test(e.message),
  );
});

test('a folder complete for another dtype names it', async () => {
  const { root } = modelsFolder(['config.json', 'tokenizer.json', 'onnx/model_quantized.onnx']);
  await assert.rejects(
    createModel(hubEngine(root, 'fp32')),
    (e) =>
      e instanceof SemanticFlowError &&
      e.code === 'model-not-found' &&
      /onnx\/model\.onnx is missing/.test(e.message) &&
      /complete for q8 \(setting semanticFlow\.dtype\)/.test(e.message),
  );
});
