/**
 * withTiedEmbeddingUnpacked lists as a graph input exactly the float initializer that the embedding's
 * Gather and the head's Gemm both read (tiny-gpt2: transformer.wte.weight), and nothing for an untied head
 * (tiny-llama2-chat) or an int8 embedding read by a MatMulInteger (tiny-gpt2 q8). The grown model gives
 * the same logits as the original.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnxSignature } from '../../../src/engines/onnx/onnxSignature';
import { readFields, utf8String } from '../../../src/engines/onnx/protobuf';
import { withTiedEmbeddingUnpacked } from '../../../src/engines/onnx/tiedEmbedding';
import { readWeightlessModel } from '../../../src/engines/onnx/weightlessModel';
import { rawFeeds } from '../../helpers/rawOrt';

const MODELS = join(__dirname, '..', '..', 'fixtures', 'models');
const file = (model: string, name = 'model.onnx') => join(MODELS, model, 'onnx', name);

/** Every name the graph lists as an input, initializers with a default included. */
function graphInputNames(model: Uint8Array): string[] {
  const graph = readFields(model).find((f) => f.field === 7)!.bytes!;
  return readFields(graph)
    .filter((f) => f.field === 11)
    .map((f) => utf8String(readFields(f.bytes!).find((x) => x.field === 1)?.bytes));
}

test('the tied fp32 embedding is listed as an input; untied heads and int8 embeddings are left alone', () => {
  const gpt2 = readWeightlessModel(file('tiny-gpt2')).bytes;
  const { model, tied } = withTiedEmbeddingUnpacked(gpt2);
  assert.deepEqual(tied, ['transformer.wte.weight']);
  assert.deepEqual(graphInputNames(model), [...graphInputNames(gpt2), 'transformer.wte.weight']);
  // The signature the engine feeds from still leaves initializers out.
  assert.deepEqual(onnxSignature(model), onnxSignature(gpt2));

  for (const [dir, name] of [
    ['tiny-llama2-chat', 'model.onnx'],
    ['tiny-gpt2', 'model_quantized.onnx'],
  ]) {
    const bytes = readWeightlessModel(file(dir, name)).bytes;
    const r = withTiedEmbeddingUnpacked(bytes);
    assert.deepEqual(r.tied, [], `${dir}/${name}`);
    assert.equal(r.model, bytes, `${dir}/${name}`);
  }
});

test('the model with its tied embedding listed as an input gives the same logits', async () => {
  const path = file('tiny-gpt2');
  const bytes = readWeightlessModel(path).bytes;
  const options = {
    logSeverityLevel: 3 as const,
    extra: { session: { model_external_initializers_file_folder_path: join(MODELS, 'tiny-gpt2', 'onnx') } },
  };
  const [plain, tied] = [
    await ort.InferenceSession.create(bytes, options),
    await ort.InferenceSession.create(withTiedEmbeddingUnpacked(bytes).model, options),
  ];
  const ids = [3, 14, 15, 92, 65, 35, 89, 79];
  const [a, b] = [
    await plain.run(rawFeeds(plain, join(MODELS, 'tiny-gpt2'), ids)),
    await tied.run(rawFeeds(tied, join(MODELS, 'tiny-gpt2'), ids)),
  ];
  const la = a.logits.data as Float32Array,
    lb = b.logits.data as Float32Array;
  assert.equal(la.length, lb.length);
  let worst = 0;
  for (let i = 0; i < la.length; i++) worst = Math.max(worst, Math.abs(la[i] - lb[i]));
  assert.ok(worst < 1e-4, `largest logit difference ${worst}`);
  await plain.release();
  await tied.release();
});
