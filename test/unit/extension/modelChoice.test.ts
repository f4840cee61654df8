/** semanticFlow.model values → a model choice → the worker's engine config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { engineConfigOf, parseModelSetting, settingValueOf } from '../../../src/extension/modelChoice';

const ctx = { workspaceRoot: resolve('/ws'), home: resolve('/home/me'), exists: (p: string) => p === resolve('/ws/models/mine') };
const settings = { device: 'cpu' as const, dtype: 'fp32' as const, remoteEndpoint: '', remoteModel: '' };

test('builtin, remote, absolute, home-relative and workspace-relative folders, Hub ids', () => {
  assert.deepEqual(parseModelSetting('', ctx), { kind: 'builtin' });
  assert.deepEqual(parseModelSetting('built-in', ctx), { kind: 'builtin' });
  assert.deepEqual(parseModelSetting('remote', ctx), { kind: 'remote' });
  assert.deepEqual(parseModelSetting(resolve('/m/gpt2'), ctx), { kind: 'folder', path: resolve('/m/gpt2') });
  assert.deepEqual(parseModelSetting('~/models/x', ctx), { kind: 'folder', path: join(resolve('/home/me'), 'models/x') });
  assert.deepEqual(parseModelSetting('./m', ctx), { kind: 'folder', path: resolve('/ws/m') });
  assert.deepEqual(parseModelSetting('models/mine', ctx), { kind: 'folder', path: resolve('/ws/models/mine') }, 'an existing relative folder wins over a Hub id');
  assert.deepEqual(parseModelSetting('Xenova/gpt2', ctx), { kind: 'hub', id: 'Xenova/gpt2' });
});

test('a choice survives the round trip through its setting value', () => {
  for (const c of [{ kind: 'builtin' }, { kind: 'remote' }, { kind: 'folder', path: resolve('/m/x') }, { kind: 'hub', id: 'a/b' }] as const) {
    assert.deepEqual(parseModelSetting(settingValueOf(c), ctx), c);
  }
});

test('engine configs: built-in has no folder, a Hub id is looked up by the worker', () => {
  assert.deepEqual(engineConfigOf({ kind: 'builtin' }, settings), { kind: 'onnx', id: 'semantic-flow-mini', modelDir: null, device: 'cpu', dtype: 'fp32' });
  assert.deepEqual(engineConfigOf({ kind: 'hub', id: 'a/b' }, { ...settings, dtype: 'q8' }), { kind: 'onnx', id: 'a/b', modelDir: null, hubId: 'a/b', device: 'cpu', dtype: 'q8' });
});

test('remote without an endpoint or model is a user error naming the setting and the command', () => {
  assert.throws(() => engineConfigOf({ kind: 'remote' }, settings), /semanticFlow\.remote\.endpoint.*Connect to Server/);
  assert.throws(() => engineConfigOf({ kind: 'remote' }, { ...settings, remoteEndpoint: 'http://h:1' }), /semanticFlow\.remote\.model/);
  assert.deepEqual(engineConfigOf({ kind: 'remote' }, { ...settings, remoteEndpoint: 'http://h:1', remoteModel: 'm', apiKey: 'k' }), { kind: 'remote', endpoint: 'http://h:1', model: 'm', apiKey: 'k' });
});
