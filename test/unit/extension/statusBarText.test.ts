/** Status bar text: model, device actually used (fallback reason in the tooltip), selection bits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusView } from '../../../src/extension/statusBarText';
import { fakeInfo } from '../../helpers/fakeModel';

test('before any analysis: the chosen model, not loaded, click selects a model', () => {
  const v = statusView({ status: { health: 'stopped' }, chosenLabel: 'semantic-flow-mini', liveMode: false });
  assert.equal(v.text, '$(pulse) semantic-flow-mini');
  assert.equal(v.command, 'semanticFlow.selectModel');
  assert.match(v.tooltip, /not loaded yet/);
});

test('ready after a fallback: the device used, a warning icon, the reason in the tooltip, and the selection bits', () => {
  const model = fakeInfo({
    id: 'gpt2',
    device: 'cpu',
    requestedDevice: 'cuda',
    fallbackReason: 'cuda: libonnxruntime_providers_cuda.so is missing',
  });
  const v = statusView({
    status: { health: 'ready', model },
    chosenLabel: 'gpt2',
    liveMode: true,
    selection: { bits: 12.345, tokens: 4, whole: false },
  });
  assert.equal(v.text, '$(pulse) gpt2 · cpu $(warning) · sel 12.3 bits/4 tok $(zap)');
  assert.match(v.tooltip, /on cpu \\\(asked for cuda\\\)/);
  assert.match(v.tooltip, /Fallback: cuda: libonnxruntime\\_providers\\_cuda\\\.so is missing/);
  assert.ok(v.tooltip.includes('Selection: 12.35 bits over 4 tokens'), v.tooltip);
});

test('auto on a machine without a usable GPU: the CPU, no warning, and why not a GPU in the tooltip', () => {
  const reason =
    'CUDA was not used: this machine has no NVIDIA GPU (/dev/nvidia0). WebGPU was not used: this machine has no GPU device.';
  const model = fakeInfo({ id: 'gpt2', device: 'cpu', requestedDevice: 'auto', fallbackReason: reason });
  const v = statusView({ status: { health: 'ready', model }, chosenLabel: 'gpt2', liveMode: false });
  assert.equal(v.text, '$(pulse) gpt2 · cpu');
  assert.ok(
    v.tooltip.startsWith(
      '**gpt2** on cpu \\(chosen by auto\\), fp32\n\nOther devices: CUDA was not used: this machine has no NVIDIA GPU \\(/dev/nvidia0\\)\\. WebGPU was not used',
    ),
    v.tooltip,
  );
  const gpu = statusView({
    status: { health: 'ready', model: fakeInfo({ id: 'gpt2', device: 'webgpu', requestedDevice: 'auto' }) },
    chosenLabel: 'gpt2',
    liveMode: false,
  });
  assert.equal(gpu.text, '$(pulse) gpt2 · webgpu');
});

test('an engine error is red and clicking restarts', () => {
  const v = statusView({
    status: { health: 'error', code: 'internal', message: 'it crashed' },
    chosenLabel: 'm',
    liveMode: false,
  });
  assert.equal(v.isError, true);
  assert.equal(v.command, 'semanticFlow.restartEngine');
});

test("the built-in model's hint line sits under the model while it is chosen, and never on an error", () => {
  const hint = 'semantic\\-flow\\-mini is tiny. [Download X](command:semanticFlow.selectModel?%5B%22a%2Fb%22%5D)';
  const ready = statusView({
    status: { health: 'ready', model: fakeInfo({ id: 'semantic-flow-mini' }) },
    chosenLabel: 'semantic-flow-mini',
    liveMode: false,
    builtinHint: hint,
  });
  const lines = ready.tooltip.split('\n\n');
  assert.match(lines[0], /^\*\*semantic\\-flow\\-mini\*\* on cpu/);
  assert.equal(lines[1], hint);
  const failed = statusView({
    status: { health: 'error', code: 'internal', message: 'it crashed' },
    chosenLabel: 'semantic-flow-mini',
    liveMode: false,
    builtinHint: hint,
  });
  assert.ok(!failed.tooltip.includes(hint), 'an error keeps the tooltip to the error and its actions');
});
