/** The catalog, model folder paths, Content-Range parsing, byte formatting and the local listing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CATALOG,
  RUNTIME_BYTES,
  catalogFiles,
  defaultDownloadDtype,
  entryFor,
  findCatalogEntry,
  memoryEstimate,
} from '../../../src/engines/catalog/catalog';
import { modelFolderFor, defaultModelsDir } from '../../../src/engines/catalog/modelsDir';
import { parseContentRange } from '../../../src/engines/catalog/fetchFile';
import { formatBytes } from '../../../src/core/units';
import { listLocalModels } from '../../../src/engines/catalog/localModels';

test('catalog: the requested models at each size, unique ids, a licence, a context window and sizes for every dtype', () => {
  assert.deepEqual(CATALOG.map((e) => e.id).sort(), [
    'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    'HuggingFaceTB/SmolLM2-135M',
    'HuggingFaceTB/SmolLM2-135M-Instruct',
    'HuggingFaceTB/SmolLM2-360M',
    'HuggingFaceTB/SmolLM2-360M-Instruct',
    'Xenova/distilgpt2',
    'Xenova/gpt2',
    'onnx-community/Llama-3.2-1B-Instruct',
    'onnx-community/Qwen2.5-0.5B-Instruct',
    'onnx-community/Qwen2.5-1.5B-Instruct',
    'onnx-community/gemma-3-1b-it-ONNX',
  ]);
  const bytesPerWeight = { fp32: 4, fp16: 2, q8: 1, q4: 0.5 } as const;
  for (const e of CATALOG) {
    assert.ok(
      e.licence && e.contextWindow && e.contextWindow >= 1024 && e.parameters && e.parameters > 1e7 && e.shape,
      e.id,
    );
    assert.equal(e.chatTemplate, /Instruct|-it-/.test(e.id), e.id);
    assert.equal(
      Boolean(e.licenceNote),
      e.licence === 'Llama-3.2' || e.licence === 'Gemma',
      `${e.id}: a licence to accept says so`,
    );
    for (const [d, v] of Object.entries(e.dtypes)) {
      // every file holds at least its weights at the dtype's width (q4 exports keep embeddings wider)
      const floor = e.parameters! * bytesPerWeight[d as keyof typeof bytesPerWeight] * 0.95;
      assert.ok(
        v.approxBytes >= floor && v.approxBytes < e.parameters! * 4 * 1.3,
        `${e.id} ${d}: ${v.approxBytes} bytes`,
      );
      assert.ok(v.sizeSource === 'hub' || v.sizeSource === 'derived', `${e.id} ${d}`);
      // protobuf holds at most 2 GB: a larger export keeps its weights in external data
      if (v.approxBytes > 2.05e9) assert.ok(v.externalData?.length, `${e.id} ${d} needs external data`);
    }
  }
  assert.equal(findCatalogEntry('Xenova/gpt2')!.licence, 'MIT'); // OpenAI's GPT-2 model card
  // no model_quantized.onnx in the SmolLM2 Instruct listings: no q8 offered, and a download defaults to q4
  assert.equal(findCatalogEntry('SmolLM2-135M-Instruct')!.dtypes.q8, undefined);
  assert.deepEqual(CATALOG.map(defaultDownloadDtype).filter((d) => d !== 'q8').length, 5);
  assert.equal(defaultDownloadDtype(findCatalogEntry('SmolLM2-360M-Instruct')!), 'q4');
  assert.equal(defaultDownloadDtype(findCatalogEntry('gpt2')!), 'q8');
});

test('memoryEstimate: the files, a 2,048-token KV cache of the KV heads (float16 for fp16), one chunk of logits and the runtime', () => {
  const e = findCatalogEntry('Qwen2.5-1.5B-Instruct')!;
  const kv = (bytes: number) => 2 * 28 * 2 * 128 * 2048 * bytes; // layers, KV heads (GQA), head size, tokens
  const logits = 128 * 151936 * 4;
  assert.equal(memoryEstimate(e, 'q8'), 1.58e9 + kv(4) + logits + RUNTIME_BYTES);
  assert.equal(memoryEstimate(e, 'fp16'), 1.1e6 + 3.1e9 + kv(2) + logits + RUNTIME_BYTES);
  // a context window shorter than 2,048 tokens bounds the cache
  assert.equal(
    memoryEstimate(findCatalogEntry('gpt2')!, 'q8'),
    124e6 + 2 * 12 * 12 * 64 * 1024 * 4 + 128 * 50257 * 4 + RUNTIME_BYTES,
  );
  assert.equal(memoryEstimate(e, 'fp32')! > memoryEstimate(e, 'q8')!, true);
  assert.equal(memoryEstimate(findCatalogEntry('gemma-3-1b-it-ONNX')!, 'q8'), null, 'no such export');
  assert.equal(memoryEstimate(entryFor('someone/model'), 'q8'), null, 'unknown size and shape');
});

test('catalogFiles: JSON files first, then onnx/model{suffix}.onnx and any external data', () => {
  const gpt2 = findCatalogEntry('gpt2')!;
  assert.deepEqual(
    catalogFiles(gpt2, 'q8').map((f) => f.path),
    ['config.json', 'generation_config.json', 'tokenizer_config.json', 'tokenizer.json', 'onnx/model_quantized.onnx'],
  );
  assert.deepEqual(catalogFiles(gpt2, 'fp32').at(-1), { path: 'onnx/model.onnx' });
  assert.equal(catalogFiles(gpt2, 'q8').find((f) => f.path === 'generation_config.json')!.optional, true);
  const llama = findCatalogEntry('llama-3.2-1b-instruct')!;
  assert.deepEqual(
    catalogFiles(llama, 'fp16')
      .slice(-2)
      .map((f) => f.path),
    ['onnx/model_fp16.onnx', 'onnx/model_fp16.onnx_data'],
  );
  assert.deepEqual(catalogFiles(llama, 'q8').at(-1), { path: 'onnx/model_quantized.onnx' });
  assert.throws(
    () => catalogFiles(gpt2, 'q4'),
    /Xenova\/gpt2 has no q4 export in the catalog; choose --dtype fp32 or fp16 or q8\./,
  );
});

test('entryFor: catalog names case-insensitively, other Hub ids ad hoc, anything else refused', () => {
  assert.equal(entryFor('SMOLLM2-360M').id, 'HuggingFaceTB/SmolLM2-360M');
  assert.equal(entryFor('xenova/GPT2').id, 'Xenova/gpt2');
  const other = entryFor('someone/tiny-llama');
  assert.deepEqual([other.adHoc, other.licence, other.dtypes.q8?.approxBytes], [true, null, 0]);
  assert.throws(
    () => entryFor('gpt-5'),
    /"gpt-5" is neither a catalog model nor a Hub id \(owner\/name\)\. Catalog: Xenova\/distilgpt2, /,
  );
});

test('modelFolderFor: <root>/<owner>/<name>, no path escapes', () => {
  assert.equal(modelFolderFor('/r', 'Xenova/gpt2'), join('/r', 'Xenova', 'gpt2'));
  for (const bad of ['../x', 'a/..', 'a/b/c', '/etc', 'a\\b/c', 'a']) {
    assert.throws(() => modelFolderFor('/r', bad), /is not a Hub model id; it should look like owner\/name/, bad);
  }
  assert.equal(defaultModelsDir({ SEMANTIC_FLOW_CACHE: '/c' }), join('/c', 'models'));
  assert.equal(defaultModelsDir({ XDG_CACHE_HOME: '/x' }), join('/x', 'semantic-flow', 'models'));
});

test('parseContentRange: 206 and 416 forms (RFC 9110 §14.4)', () => {
  assert.deepEqual(parseContentRange('bytes 100-199/200'), { start: 100, total: 200 });
  assert.deepEqual(parseContentRange('bytes */200'), { start: null, total: 200 });
  assert.deepEqual(parseContentRange('bytes 0-9/*'), { start: 0, total: null });
  assert.deepEqual(parseContentRange(null), { start: null, total: null });
  assert.deepEqual(parseContentRange('items 1-2/3'), { start: null, total: null });
});

test('formatBytes: decimal units, three significant digits', () => {
  assert.deepEqual([0, 999, 1000, 93_141, 165e6, 1.45e9, 2.5e12].map(formatBytes), [
    '0 B',
    '999 B',
    '1.00 kB',
    '93.1 kB',
    '165 MB',
    '1.45 GB',
    '2.50 TB',
  ]);
});

test('listLocalModels: complete and partial folders with their dtypes; stray files ignored', () => {
  const root = mkdtempSync(join(tmpdir(), 'sf-local-'));
  const put = (p: string, data = 'x') => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), data);
  };
  put('Xenova/gpt2/config.json', JSON.stringify({ n_positions: 1024 }));
  put('Xenova/gpt2/tokenizer_config.json', JSON.stringify({ chat_template: '{{ x }}' }));
  put('Xenova/gpt2/onnx/model_quantized.onnx', '12345');
  put('Xenova/gpt2/onnx/model.onnx.part', '123');
  put('Xenova/gpt2/onnx/model.onnx.part.etag', '"an-etag-of-the-part"');
  // a part's ETag left behind without its part (a download that was cleaned up) makes nothing partial
  put('c/d/config.json', '{}');
  put('c/d/onnx/model.onnx', '1234');
  put('c/d/onnx/model_fp16.onnx.part.etag', '"stale"');
  put('a/b/config.json.part', '{');
  put('notes/readme/whatever.txt');
  put('loose.txt');
  const models = listLocalModels(root);
  assert.deepEqual(
    models.map((m) => [m.id, m.dtypes, m.partial, m.contextWindow, m.chatTemplate]),
    [
      ['Xenova/gpt2', ['q8'], true, 1024, true],
      ['a/b', [], true, null, false],
      ['c/d', ['fp32'], false, null, false],
    ],
  );
  assert.equal(models[2].bytes, 2 + 4, 'a .part.etag is not a model file');
  assert.equal(
    models[0].bytes,
    JSON.stringify({ n_positions: 1024 }).length + JSON.stringify({ chat_template: '{{ x }}' }).length + 8,
  );
  assert.deepEqual(listLocalModels(join(root, 'missing')), []);
});
