/** Trust filtering of settings: restricted keys ignore workspace layers in untrusted workspaces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESTRICTED_KEYS, trustedValue } from '../../../src/extension/trust';

const layers = {
  defaultValue: 'builtin',
  globalValue: '/home/me/models/gpt2',
  workspaceValue: '/tmp/evil',
  workspaceFolderValue: './evil-folder',
};

test('trusted: the folder value wins over workspace, user and default', () => {
  assert.deepEqual(trustedValue('model', layers, true), { value: './evil-folder', ignoredWorkspaceValue: false });
});

test('untrusted: a restricted key takes the user value and reports the ignored workspace value', () => {
  assert.deepEqual(trustedValue('model', layers, false), {
    value: '/home/me/models/gpt2',
    ignoredWorkspaceValue: true,
  });
  assert.deepEqual(trustedValue('remote.endpoint', { defaultValue: '', workspaceValue: 'http://attacker' }, false), {
    value: '',
    ignoredWorkspaceValue: true,
  });
});

test('untrusted: nothing to ignore when the workspace does not set the key', () => {
  assert.deepEqual(trustedValue('model', { defaultValue: 'builtin' }, false), {
    value: 'builtin',
    ignoredWorkspaceValue: false,
  });
});

test('untrusted: an unrestricted key keeps its workspace value', () => {
  assert.deepEqual(trustedValue('topK', { defaultValue: 5, workspaceValue: 9 }, false), {
    value: 9,
    ignoredWorkspaceValue: false,
  });
});

test('the restricted keys are exactly those package.json declares for untrusted workspaces', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
  const declared: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual([...declared].sort(), RESTRICTED_KEYS.map((k) => `semanticFlow.${k}`).sort());
});
