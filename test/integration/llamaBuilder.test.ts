/**
 * tools/fixtures/llamaOnnx.mjs as the benchmarks use it: a Llama-shaped model of a chosen size with
 * random weights and a tokenizer that fills its vocabulary, written by the CLI, loads in the engine
 * and scores text, in both the single-file and the external-data layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';

const ROOT = resolve(__dirname, '..', '..');
const SHAPE = [
  '--layers',
  '2',
  '--hidden',
  '36',
  '--heads',
  '9',
  '--kv-heads',
  '3',
  '--intermediate',
  '48',
  '--vocab',
  '3000',
];

for (const external of [false, true]) {
  test(`the CLI writes a Llama-shaped model of the requested size${external ? ' in external-data format' : ''} that the engine loads`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-llama-'));
    try {
      const r = spawnSync(
        process.execPath,
        [
          join(ROOT, 'tools', 'fixtures', 'llamaOnnx.mjs'),
          dir,
          '--preset',
          'smollm2-135m',
          ...SHAPE,
          ...(external ? ['--external-data'] : []),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      assert.deepEqual(
        [
          config.model_type,
          config.num_hidden_layers,
          config.hidden_size,
          config.num_attention_heads,
          config.num_key_value_heads,
          config.vocab_size,
          config.rope_theta,
        ],
        ['llama', 2, 36, 9, 3, 3000, 100000],
      );
      // parameters: embedding (tied) + 2 × (q, k, v, o, gate, up, down, 2 norms) + final norm, 4 bytes each
      const params = 3000 * 36 + 2 * (36 * 36 + 2 * 36 * 12 + 36 * 36 + 3 * 36 * 48 + 2 * 36) + 36;
      const onnx = statSync(join(dir, 'onnx', 'model.onnx')).size;
      const data = external ? statSync(join(dir, 'onnx', 'model.onnx_data')).size : 0;
      assert.ok(
        onnx + data >= 4 * params && onnx + data < 4 * params + 64 * 1024,
        `${onnx} + ${data} bytes for ${params} parameters`,
      );
      if (external) assert.ok(onnx < 32 * 1024, `the graph file holds no large weights (${onnx} bytes)`);
      const model = await OnnxModel.load({ modelDir: dir, threads: 1 });
      try {
        assert.equal(model.info.vocabSize, 3000);
        const result = await model.analyze('The river was low that summer.', { topK: 2 });
        assert.ok(result.tokens.length > 3 && result.tokens.every((t) => Number.isFinite(t.surprisalBits)));
      } finally {
        await model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
