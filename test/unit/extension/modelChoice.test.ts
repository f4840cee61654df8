/** semanticFlow.model values → a model choice → the worker's engine config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import {
  catalogRow,
  downloadDtypeFor,
  engineConfigOf,
  formatParameters,
  hubLoadDtype,
  parseModelSetting,
  settingValueOf,
} from '../../../src/extension/modelChoice';
import { completeDtypes } from '../../../src/engines/catalog/localModels';
import { findCatalogEntry, type CatalogEntry } from '../../../src/engines/catalog/catalog';

const ctx = {
  workspaceRoot: resolve('/ws'),
  home: resolve('/home/me'),
  exists: (p: string) => p === resolve('/ws/models/mine'),
};
const settings = { device: 'cpu' as const, dtype: 'fp32' as const, remoteEndpoint: '', remoteModel: '' };

test('builtin, remote, absolute, home-relative and workspace-relative folders, Hub ids', () => {
  assert.deepEqual(parseModelSetting('', ctx), { kind: 'builtin' });
  assert.deepEqual(parseModelSetting('built-in', ctx), { kind: 'builtin' });
  assert.deepEqual(parseModelSetting('remote', ctx), { kind: 'remote' });
  assert.deepEqual(parseModelSetting(resolve('/m/gpt2'), ctx), { kind: 'folder', path: resolve('/m/gpt2') });
  assert.deepEqual(parseModelSetting('~/models/x', ctx), {
    kind: 'folder',
    path: join(resolve('/home/me'), 'models/x'),
  });
  assert.deepEqual(parseModelSetting('./m', ctx), { kind: 'folder', path: resolve('/ws/m') });
  assert.deepEqual(
    parseModelSetting('models/mine', ctx),
    { kind: 'folder', path: resolve('/ws/models/mine') },
    'an existing relative folder wins over a Hub id',
  );
  assert.deepEqual(parseModelSetting('Xenova/gpt2', ctx), { kind: 'hub', id: 'Xenova/gpt2' });
});

test('a choice survives the round trip through its setting value', () => {
  for (const c of [
    { kind: 'builtin' },
    { kind: 'remote' },
    { kind: 'folder', path: resolve('/m/x') },
    { kind: 'hub', id: 'a/b' },
  ] as const) {
    assert.deepEqual(parseModelSetting(settingValueOf(c), ctx), c);
  }
});

test('engine configs: built-in has no folder, a Hub id is looked up by the worker', () => {
  assert.deepEqual(engineConfigOf({ kind: 'builtin' }, settings), {
    kind: 'onnx',
    id: 'semantic-flow-mini',
    modelDir: null,
    device: 'cpu',
    dtype: 'fp32',
  });
  assert.deepEqual(engineConfigOf({ kind: 'hub', id: 'a/b' }, { ...settings, dtype: 'q8' }), {
    kind: 'onnx',
    id: 'a/b',
    modelDir: null,
    hubId: 'a/b',
    device: 'cpu',
    dtype: 'q8',
  });
});

test('remote without an endpoint or model is a user error naming the setting and the command', () => {
  assert.throws(
    () => engineConfigOf({ kind: 'remote' }, settings),
    /semanticFlow\.remote\.endpoint.*Connect to Server/,
  );
  assert.throws(
    () => engineConfigOf({ kind: 'remote' }, { ...settings, remoteEndpoint: 'http://h:1' }),
    /semanticFlow\.remote\.model/,
  );
  assert.deepEqual(
    engineConfigOf({ kind: 'remote' }, { ...settings, remoteEndpoint: 'http://h:1', remoteModel: 'm', apiKey: 'k' }),
    { kind: 'remote', endpoint: 'http://h:1', model: 'm', apiKey: 'k' },
  );
});

const gpt2 = findCatalogEntry('Xenova/gpt2') as CatalogEntry;
const qwen = findCatalogEntry('onnx-community/Qwen2.5-0.5B-Instruct') as CatalogEntry;

test('complete dtypes of a downloaded folder: config, tokenizer and the ONNX file, no external data in .part', () => {
  const dir = resolve('/models/o/m');
  const have = (files: string[]) => (p: string) => files.map((f) => join(dir, f)).includes(p);
  assert.deepEqual(
    completeDtypes(dir, have(['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'])),
    ['fp32', 'q8'],
  );
  assert.deepEqual(completeDtypes(dir, have(['config.json', 'tokenizer.json', 'onnx/model_quantized.onnx.part'])), []);
  assert.deepEqual(completeDtypes(dir, have(['config.json', 'onnx/model.onnx'])), [], 'no tokenizer');
  assert.deepEqual(
    completeDtypes(dir, have(['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model.onnx_data.part'])),
    [],
  );
});

test('a catalog download fetches semanticFlow.dtype when set (null when the catalog lacks it), else q8', () => {
  assert.equal(downloadDtypeFor(gpt2, 'fp32', false), 'q8');
  assert.equal(downloadDtypeFor(gpt2, 'fp32', true), 'fp32');
  assert.equal(downloadDtypeFor(gpt2, 'q4', true), null);
  assert.equal(downloadDtypeFor({ ...gpt2, dtypes: { fp32: { approxBytes: 1 } } }, 'q8', false), 'fp32');
});

test('a Hub model loads with semanticFlow.dtype when set or on disk, else with what is on disk (q8 first)', () => {
  assert.equal(hubLoadDtype(['q8'], 'fp32', false), 'q8');
  assert.equal(hubLoadDtype(['fp32', 'q8'], 'fp32', false), 'fp32');
  assert.equal(hubLoadDtype(['fp16'], 'fp32', false), 'fp16');
  assert.equal(hubLoadDtype(['q8'], 'fp32', true), 'fp32', 'a chosen dtype is never replaced');
  assert.equal(hubLoadDtype([], 'fp32', false), 'fp32');
});

test('catalog rows: download size, downloaded, partly downloaded, no export; parameters, licence, context in the detail', () => {
  assert.equal(formatParameters(82e6), '82M');
  assert.equal(formatParameters(494e6), '494M');
  assert.equal(formatParameters(1.24e9), '1.2B');
  assert.deepEqual(catalogRow(gpt2, { state: 'absent' }, { dtype: 'q8', wanted: 'fp32', current: false }), {
    label: '$(cloud-download) GPT-2',
    description: 'Xenova/gpt2 · download about 124 MB, q8',
    // 124e6 file bytes + 2·12·12·64·1,024·4 B of KV cache + 128·50,257·4 B of logits + 260e6 B runtime = 485.2 MB
    detail: '124M parameters · needs about 485 MB of memory · MIT licence · 1,024-token context',
  });
  assert.deepEqual(
    catalogRow(gpt2, { state: 'downloaded', dtype: 'q8' }, { dtype: 'q8', wanted: 'fp32', current: true }),
    {
      label: '$(database) GPT-2 $(check)',
      description: 'Xenova/gpt2 · downloaded (q8)',
      detail: '124M parameters · needs about 485 MB of memory · MIT licence · 1,024-token context',
    },
  );
  assert.equal(
    catalogRow(gpt2, { state: 'partial', bytes: 12_345_678 }, { dtype: 'q8', wanted: 'q8', current: false })
      .description,
    'Xenova/gpt2 · partly downloaded (12.3 MB), resumes: about 124 MB, q8',
  );
  assert.equal(
    catalogRow(gpt2, { state: 'absent' }, { dtype: null, wanted: 'q4', current: false }).description,
    'Xenova/gpt2 · no q4 export: change semanticFlow.dtype (fp32, fp16, q8)',
  );
  // 1.99e9 + 2·24 layers·2 KV heads·64·2,048 tokens·4 B + 128·151,936·4 B + 260e6 = 2.378 GB
  assert.equal(
    catalogRow(qwen, { state: 'absent' }, { dtype: 'fp32', wanted: 'fp32', current: false }).detail,
    '494M parameters · needs about 2.38 GB of memory · Apache-2.0 licence · 32,768-token context · instruction-tuned (chat template)',
  );
  // fp16 keeps its KV cache in float16: 2.47e9 + 532e3 + 2·16·8·64·2,048·2 B + 128·128,256·4 B + 260e6 = 2.862 GB
  assert.equal(
    catalogRow(
      findCatalogEntry('llama-3.2-1b-instruct')!,
      { state: 'absent' },
      { dtype: 'fp16', wanted: 'fp16', current: false },
    ).detail,
    '1.2B parameters · needs about 2.86 GB of memory · Llama-3.2 licence (its terms must be accepted) · 131,072-token context · instruction-tuned (chat template)',
  );
});
