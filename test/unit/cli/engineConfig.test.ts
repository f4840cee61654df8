/** The CLI maps its flags to an EngineConfig (engines/engineConfig.ts) and builds models with engines/createModel. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../../src/cli/args';
import type { CliIo } from '../../../src/cli/io';
import { onnxConfigFromFlags } from '../../../src/cli/modelOptions';
import { engineFlags, remoteConfigFromFlags } from '../../../src/cli/remoteOptions';
import { BUILTIN_MODEL_NAME, builtinModelDir } from '../../../src/engines/builtinModel';
import { ortSessionOptions } from '../../../src/engines/onnx/ortSession';

const io = (env: Record<string, string>) => ({ env }) as unknown as CliIo;
const flags = (...argv: string[]) => parseArgs(argv, engineFlags, 'analyze').flags;

test('remote flags become a remote EngineConfig: seconds to milliseconds, the key from the environment only', () => {
  const f = flags(
    '--endpoint',
    'http://127.0.0.1:8000',
    '--remote-model',
    'gpt2',
    '--flavor',
    'echo',
    '--vocab-size',
    '50257',
    '--timeout',
    '7',
    '--retries',
    '2',
    '--strict-top-k',
  );
  assert.deepEqual(remoteConfigFromFlags(f, io({ SEMANTIC_FLOW_API_KEY: 'sk-test' }), { topK: 9 }), {
    kind: 'remote',
    endpoint: 'http://127.0.0.1:8000',
    model: 'gpt2',
    flavor: 'echo',
    vocabSize: 50257,
    topK: 9,
    topKPolicy: 'error',
    timeoutMs: 7000,
    retries: 2,
    apiKey: 'sk-test',
  });
  const d = remoteConfigFromFlags(flags(), io({ SEMANTIC_FLOW_ENDPOINT: 'http://h:1' }), { topK: 5 });
  assert.deepEqual([d.endpoint, d.model, d.topKPolicy, d.apiKey], ['http://h:1', '', 'clamp', undefined]);
  assert.throws(() => remoteConfigFromFlags(flags(), io({}), { topK: 5 }), /--engine remote needs --endpoint URL/);
});

test('model flags become a local EngineConfig: no --model is the built-in model', () => {
  const c = onnxConfigFromFlags(flags('--device', 'cpu', '--threads', '2', '--dtype', 'q8'), io({}));
  assert.deepEqual(c, {
    kind: 'onnx',
    id: BUILTIN_MODEL_NAME,
    modelDir: builtinModelDir(),
    device: 'cpu',
    dtype: 'q8',
    threads: 2,
  });
});

test("CPU sessions run without ONNX Runtime's memory pattern (it held memory per chunk shape); GPU sessions keep the default", () => {
  assert.equal(ortSessionOptions({ device: 'cpu' }).enableMemPattern, false);
  assert.equal('enableMemPattern' in ortSessionOptions({ device: 'webgpu' }), false);
});

test('--no-prepack asks ONNX Runtime for no prepacked weights; without it the session options have none', () => {
  const c = onnxConfigFromFlags(flags('--no-prepack'), io({}));
  assert.equal(c.prepack, false);
  assert.deepEqual(ortSessionOptions({ device: 'cpu', prepack: c.prepack }).extra, {
    session: { disable_prepacking: '1' },
  });
  assert.equal('prepack' in onnxConfigFromFlags(flags(), io({})), false);
  assert.equal(ortSessionOptions({ device: 'cpu' }).extra, undefined);
  assert.deepEqual(ortSessionOptions({ device: 'cpu', externalDataDir: '/m', prepack: false }).extra, {
    session: { model_external_initializers_file_folder_path: '/m', disable_prepacking: '1' },
  });
});
