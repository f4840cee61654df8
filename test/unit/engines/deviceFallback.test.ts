import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deviceCandidates,
  deviceErrorSummary,
  loadWithFallback,
  precheckDevice,
  type PrecheckEnv,
} from '../../../src/engines/onnx/deviceFallback';
import { SemanticFlowError } from '../../../src/core/errors';

const linux = (files: string[] = []): PrecheckEnv => ({
  platform: 'linux',
  arch: 'x64',
  ortBinDir: '/ort',
  exists: (p) => files.includes(p),
});

test('candidates end on CPU and follow the platform order for auto', () => {
  assert.deepEqual(deviceCandidates('auto', { platform: 'linux', arch: 'x64' }), ['cuda', 'webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('auto', { platform: 'win32', arch: 'x64' }), ['dml', 'webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('auto', { platform: 'darwin', arch: 'arm64' }), ['coreml', 'webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('webgpu', { platform: 'linux', arch: 'x64' }), ['webgpu', 'cpu']);
  assert.deepEqual(deviceCandidates('cpu', { platform: 'linux', arch: 'x64' }), ['cpu']);
  assert.throws(
    () => deviceCandidates('tpu' as never, { platform: 'linux', arch: 'x64' }),
    /Unknown device "tpu". Should be one of: auto, cpu, webgpu, cuda, dml, coreml/,
  );
});

const VULKAN = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';

test('pre-checks name the precise reason a device cannot work here', () => {
  assert.equal(
    precheckDevice('cuda', linux()),
    "ONNX Runtime's CUDA provider is not installed (libonnxruntime_providers_cuda.so is missing); to add it (needs CUDA 12 and the network), run node /script/install.js --onnxruntime-node-install=cuda12",
  );
  assert.equal(precheckDevice('cuda', linux(['/ort/libonnxruntime_providers_cuda.so'])), null);
  assert.match(precheckDevice('webgpu', linux())!, /no Vulkan loader/);
  assert.equal(precheckDevice('webgpu', linux([VULKAN])), null);
  assert.match(precheckDevice('dml', linux())!, /only available on Windows/);
  assert.match(precheckDevice('coreml', linux())!, /only available on macOS/);
});

test('auto skips what cannot be a GPU: no NVIDIA device for CUDA, a software renderer for WebGPU; an explicit device is still tried', () => {
  assert.equal(precheckDevice('cuda', linux(), 'auto'), 'this machine has no NVIDIA GPU (/dev/nvidia0)');
  assert.match(precheckDevice('cuda', linux(['/dev/nvidia0']), 'auto')!, /CUDA provider is not installed/);
  assert.match(
    precheckDevice('webgpu', linux([VULKAN]), 'auto')!,
    /^this machine has no GPU device \(\/dev\/dri, \/dev\/nvidia0\), so its WebGPU adapter could only be a software renderer such as lavapipe, slower than the CPU/,
  );
  assert.equal(precheckDevice('webgpu', linux([VULKAN, '/dev/dri']), 'auto'), null);
  assert.equal(precheckDevice('webgpu', linux([VULKAN]), 'webgpu'), null);
});

test('ONNX Runtime errors shrink to their readable sentence, never cut inside a word', () => {
  const adapter =
    '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\nstack';
  assert.equal(deviceErrorSummary(new Error(adapter)), 'Failed to get a WebGPU adapter: No supported adapters');
  assert.equal(deviceErrorSummary(new Error('One. Two. Three.')), 'One. Two.');
  const long = deviceErrorSummary(new Error('word '.repeat(200)));
  assert.ok(long.length <= 402 && long.endsWith('word …'), long.slice(-20));
});

test('a device that fails to load falls back to CPU and records {requested, used, reason} in whole sentences', async () => {
  const env = linux([VULKAN, '/dev/dri']);
  const tried: string[] = [];
  const out = await loadWithFallback(
    'auto',
    async (d) => {
      tried.push(d);
      if (d === 'webgpu') throw new Error('Failed to get a WebGPU adapter: No supported adapters\nmore detail');
      return `session on ${d}`;
    },
    env,
  );
  assert.deepEqual(tried, ['webgpu', 'cpu']); // cuda skipped by its pre-check, never attempted
  assert.equal(out.value, 'session on cpu');
  assert.equal(out.requested, 'auto');
  assert.equal(out.used, 'cpu');
  assert.equal(
    out.reason,
    'CUDA was not used: this machine has no NVIDIA GPU (/dev/nvidia0). WebGPU was not used: Failed to get a WebGPU adapter: No supported adapters.',
  );
});

test('a model problem stops the chain at once instead of trying other devices', async () => {
  const env = linux(['/ort/libonnxruntime_providers_cuda.so']);
  const tried: string[] = [];
  await assert.rejects(
    loadWithFallback(
      'cuda',
      async (d) => {
        tried.push(d);
        throw new SemanticFlowError('model-corrupt', 'corrupt');
      },
      env,
    ),
    /corrupt/,
  );
  assert.deepEqual(tried, ['cuda']);
});

test('when the requested device works there is no fallback reason', async () => {
  const out = await loadWithFallback('cpu', async (d) => d, linux());
  assert.deepEqual([out.used, out.reason], ['cpu', null]);
});
