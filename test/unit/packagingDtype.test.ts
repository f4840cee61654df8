/** The built-in model's default dtype follows what its folder holds: the .vsix ships only the int8 model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinDefaultDtype, builtinModelDir, resolveBuiltinDtype } from '../../src/engines/builtinModel';

function folder(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-builtin-dtype-'));
  mkdirSync(join(dir, 'onnx'));
  for (const f of files) writeFileSync(join(dir, 'onnx', f), 'x');
  return dir;
}

test('fp32 where onnx/model.onnx exists (the repository), q8 where only model_quantized.onnx does (the .vsix)', () => {
  const both = folder(['model.onnx', 'model_quantized.onnx']);
  const int8 = folder(['model_quantized.onnx']);
  const none = folder([]);
  try {
    assert.equal(builtinDefaultDtype(both), 'fp32');
    assert.equal(builtinDefaultDtype(int8), 'q8');
    assert.equal(
      builtinDefaultDtype(none),
      'fp32',
      'nothing to fall back to: fp32, whose load error names what is missing',
    );
    assert.equal(builtinDefaultDtype(), 'fp32', 'the repository has the fp32 model');
    assert.equal(builtinDefaultDtype(builtinModelDir()), 'fp32');
  } finally {
    for (const d of [both, int8, none]) rmSync(d, { recursive: true, force: true });
  }
});

test("the user's choice wins; no choice follows the folder", () => {
  const int8 = folder(['model_quantized.onnx']);
  try {
    assert.equal(resolveBuiltinDtype(undefined, int8), 'q8');
    assert.equal(resolveBuiltinDtype('fp32', int8), 'fp32');
    assert.equal(resolveBuiltinDtype('fp16', int8), 'fp16');
    assert.equal(resolveBuiltinDtype(undefined), 'fp32');
  } finally {
    rmSync(int8, { recursive: true, force: true });
  }
});
