/**
 * A model load shows progress: a large model's files are read first with byte counts (onnxruntime-node
 * prepares a session in one call that reports nothing), then each device it is prepared on. The CLI
 * shows it as one line on a terminal, cleared when the model is ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import type { LoadProgress } from '../../src/engines/languageModel';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';

const TINY = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const BYTES = statSync(join(TINY, 'onnx', 'model.onnx')).size;

test('a load reports the bytes read up to the files’ size, then the device it prepares the model on', async () => {
  const seen: LoadProgress[] = [];
  const m = await OnnxModel.load({
    modelDir: TINY,
    device: 'cpu',
    onProgress: (p) => seen.push(p),
    prereadMinBytes: 0,
  });
  await m.dispose();
  const reads = seen.filter((p) => p.step === 'read');
  assert.deepEqual(reads[0], { step: 'read', doneBytes: 0, totalBytes: BYTES });
  assert.deepEqual(reads[reads.length - 1], { step: 'read', doneBytes: BYTES, totalBytes: BYTES });
  reads.forEach((p, i) => assert.ok(i === 0 || p.doneBytes >= reads[i - 1].doneBytes, 'monotonic'));
  assert.deepEqual(seen[seen.length - 1], { step: 'prepare', device: 'cpu' });
  assert.equal(
    seen.findIndex((p) => p.step === 'prepare'),
    reads.length,
    'read first, then prepare',
  );
});

test('a small model is not read twice: only the preparing step is reported', async () => {
  const seen: LoadProgress[] = [];
  const m = await OnnxModel.load({ modelDir: TINY, device: 'cpu', onProgress: (p) => seen.push(p) });
  await m.dispose();
  assert.deepEqual(seen, [{ step: 'prepare', device: 'cpu' }]);
});

test('the CLI shows the load as one line on a terminal and clears it before the result', async () => {
  const io = captureIo({ stdin: 'The cat sat.', stderrTTY: true });
  assert.equal(await run(['analyze', '--model', TINY, '--device', 'cpu', '--format', 'json', '-'], io), 0, io.err);
  assert.ok(io.err.includes('\r\x1b[Kloading tiny-gpt2: preparing it on cpu…\r\x1b[K'), JSON.stringify(io.err));
  assert.equal(JSON.parse(io.out).model.device, 'cpu');
});

test('off a terminal the CLI writes no load line (what a log holds does not depend on how long a load took)', async () => {
  const io = captureIo({ stdin: 'The cat sat.', env: { SEMANTIC_FLOW_PROGRESS_SECONDS: '0' } });
  assert.equal(await run(['analyze', '--model', TINY, '--device', 'cpu', '--format', 'json', '-'], io), 0, io.err);
  assert.ok(!io.err.includes('loading'), JSON.stringify(io.err));
  assert.equal(JSON.parse(io.out).model.device, 'cpu');
});
