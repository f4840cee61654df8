/**
 * The engine progress notification: every Progress stage the worker sends has its line (or none, for
 * stages that feed views), and a model download that happens inside a command shows its bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Progress } from '../../../src/worker/protocol';
import { generatedToken } from '../panel/fixtures';
import { installFakeVscode } from './fakeVscode';

type Report = { message?: string; increment?: number };
const reports: Report[] = [];
installFakeVscode({
  ProgressLocation: { Notification: 15 },
  window: {
    withProgress: (
      _o: unknown,
      task: (
        p: { report(r: Report): void },
        t: { isCancellationRequested: boolean; onCancellationRequested(): void },
      ) => Promise<unknown>,
    ) =>
      task(
        { report: (r) => reports.push(r) },
        { isCancellationRequested: false, onCancellationRequested: () => undefined },
      ),
  },
});
// Loaded after the fake is installed, through require so the CommonJS hook sees `vscode`.
const { progressMessage, withEngineProgress } =
  require('../../../src/extension/cancellation') as typeof import('../../../src/extension/cancellation');

// 12 500 000 of 125 000 000 bytes: decimal units as download pages show them, 10 %.
const download: Progress = {
  stage: 'download',
  model: 'HuggingFaceTB/SmolLM2-135M-Instruct',
  file: 'onnx/model_quantized.onnx',
  done: 12_500_000,
  total: 125_000_000,
  fileDone: 12_500_000,
  fileTotal: 125_000_000,
};

test('each progress stage has its notification line; token and completion events feed views, not the notification', () => {
  assert.equal(progressMessage({ stage: 'load', model: 'tiny-gpt2' }), 'Loading tiny-gpt2…');
  // A large model's files read, then the device it is prepared on.
  assert.equal(
    progressMessage({ stage: 'load', model: 'gpt2-medium', done: 310_000_000, total: 1_420_000_000 }),
    'Loading gpt2-medium: 310 MB of 1.42 GB read',
  );
  assert.equal(
    progressMessage({ stage: 'load', model: 'gpt2-medium', device: 'webgpu' }),
    'Preparing gpt2-medium on webgpu…',
  );
  assert.equal(
    progressMessage({ stage: 'score', done: 1234, total: 5000, unit: 'tokens', detail: 'chunk 2 of 3' }),
    '1,234/5,000 tokens · chunk 2 of 3',
  );
  assert.equal(progressMessage(download), '12.5 MB of 125 MB (10%) · model_quantized.onnx');
  // While no file's size is known the total is 0: no percent is shown rather than a wrong one.
  assert.equal(
    progressMessage({ ...download, done: 2048, total: 0, file: 'tokenizer.json' }),
    '2.05 kB of 0 B · tokenizer.json',
  );
  assert.equal(progressMessage({ stage: 'token', token: generatedToken(0, 'a') }), undefined);
});

test('a download during a command shows its bytes in the notification, between the load line and the scoring counts', async () => {
  reports.length = 0;
  const result = await withEngineProgress('Semantic Flow: analyzing', async (_signal, onProgress) => {
    onProgress({ stage: 'load', model: 'SmolLM2' });
    onProgress(download);
    onProgress({ stage: 'score', done: 5, total: 10, unit: 'tokens' });
    return 42;
  });
  assert.equal(result, 42);
  assert.deepEqual(reports, [
    { message: 'Loading SmolLM2…' },
    { message: '12.5 MB of 125 MB (10%) · model_quantized.onnx' },
    { message: '5/10 tokens', increment: 50 },
  ]);
});
