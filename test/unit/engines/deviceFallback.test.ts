import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceCandidates, loadWithFallback, precheckDevice, type PrecheckEnv } from '../../../src/engines/onnx/deviceFallback';
import { SemanticFlowError } from '../../../src/core/errors';

const linux = (files: string[] = []): PrecheckEnv => ({ platform: 'linux', arch: 'x64', ortBinDir: '/ort', exists: (p) => files.includes(p) });

test('candidates end on CPU and follow the platform order for auto', () => {
  assert.deepEqual(deviceCandidates('auto', { platform: 'linux', arch: 'x64' }), ['cuda', 'webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('auto', { platform: 'win32', arch: 'x64' }), ['dml', 'webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('auto', { platform: 'darwin', arch: 'arm64' }), ['coreml', 'webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('webgpu', { platform: 'linux', arch: 'x64' }), ['webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('cpu', { platform: 'linux', arch: 'x64' }), ['cpu']);
  assert.throws(() => deviceCandidates('tpu' as never, { platform: 'linux', arch: 'x64' }), /Unknown device "tpu". Should be one of: auto, cpu, webgpu, cuda, dml, coreml/);
});

test('pre-checks name the precise reason a device cannot work here', () => {
  assert.match(precheckDevice('cuda', linux())!, /libonnxruntime_providers_cuda\.so is missing/);
  assert.equal(precheckDevice('cuda', linux(['/ort/libonnxruntime_providers_cuda.so'])), null);
  assert.match(precheckDevice('webgpu', linux())!, /no Vulkan loader/);
  assert.equal(precheckDevice('webgpu', linux(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1'])), null);
  assert.match(precheckDevice('dml', linux())!, /only available on Windows/);
  assert.match(precheckDevice('coreml', linux())!, /only available on macOS/);
});

test('a device that fails to load falls back to CPU and records {requested, used, reason}', async () => {
  const env = linux(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1']);
  const tried: string[] = [];
  const out = await loadWithFallback('auto', async (d) => {
    tried.push(d);
    if (d === 'webgpu') throw new Error('Failed to get a WebGPU adapter: No supported adapters\nmore detail');
    return `session on ${d}`;
  }, env);
  assert.deepEqual(tried, ['webgpu', 'cpu']); // cuda skipped by its pre-check, never attempted
  assert.equal(out.value, 'session on cpu');
  assert.equal(out.requested, 'auto');
  assert.equal(out.used, 'cpu');
  assert.equal(out.reason, 'cuda: ONNX Runtime\'s CUDA provider libraries are not installed (libonnxruntime_providers_cuda.so is missing); webgpu: Failed to get a WebGPU adapter: No supported adapters');
});

test('a model problem stops the chain at once instead of trying other devices', async () => {
  const env = linux(['/ort/libonnxruntime_providers_cuda.so']);
  const tried: string[] = [];
  await assert.rejects(
    loadWithFallback('cuda', async (d) => { tried.push(d); throw new SemanticFlowError('model-corrupt', 'corrupt'); }, env),
    /corrupt/,
  );
  assert.deepEqual(tried, ['cuda']);
});

test('when the requested device works there is no fallback reason', async () => {
  const out = await loadWithFallback('cpu', async (d) => d, linux());
  assert.deepEqual([out.used, out.reason], ['cpu', null]);
});
