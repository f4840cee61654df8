/**
 * The built-in model's first result: one unobtrusive notification (the suggested catalog model with its
 * parameters, download size and licence), whose answer persists in globalState; the status bar tooltip
 * offers the same download while the built-in model is chosen.
 */
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUGGESTED_MODEL_ID } from '../../../src/engines/catalog/suggestedModel';
import type { Config } from '../../../src/extension/config';
import type { StoredResult } from '../../../src/extension/resultStore';
import { fakeInfo } from '../../helpers/fakeModel';
import { DEFAULT_CONFIG } from './defaultConfig';
import { control, ModelSelection, ResultStore, vscode } from './onFakeVscode';
import { resultOf } from './results';

// Loaded after the fake is installed (onFakeVscode), through require so the CommonJS hook sees `vscode`.
const { BuiltinModelNotice, BUILTIN_NOTICE_KEY } =
  require('../../../src/extension/builtinModelNotice') as typeof import('../../../src/extension/builtinModelNotice');
const { StatusBar } = require('../../../src/extension/statusBar') as typeof import('../../../src/extension/statusBar');

const config: Config = DEFAULT_CONFIG;
// SmolLM2 135M Instruct as the catalog states it (catalogModels.ts): 134.5e6 parameters, q4 (its default download:
// no q8 export) 200e6 bytes on the Hub listing, Apache-2.0.
const FACTS = '135M parameters, about 200 MB to download, Apache-2.0 licence';
const MESSAGE =
  'semantic-flow-mini is the tiny built-in model: it runs offline, but finds much ordinary text surprising, so its colours say more about the model than about the text. ' +
  `For meaningful bits, download SmolLM2 135M Instruct (${FACTS}).`;

const storedBy = (id: string): StoredResult => ({
  uri: 'file:///a.txt',
  documentVersion: 1,
  offset: 0,
  result: resultOf(
    [
      ['The', null],
      [' cat', 9.5],
    ],
    { model: fakeInfo({ id }) },
  ),
});
const storage = mkdtempSync(join(tmpdir(), 'sf-notice-'));

/** A session: a notice on `state` (the same globalState object stands for the same user profile). */
function session(state: ReturnType<typeof newState>) {
  const context = { ...(control.context() as object), globalState: state, globalStorageUri: vscode.Uri.file(storage) };
  const models = new ModelSelection(context as never, []);
  return { models, notice: new BuiltinModelNotice(state as never, models, () => config) };
}
function newState() {
  const m = new Map<string, unknown>();
  return {
    get: (k: string, d?: unknown) => m.get(k) ?? d,
    update: async (k: string, v: unknown) => {
      if (v === undefined) m.delete(k);
      else m.set(k, v);
    },
    keys: () => [...m.keys()],
  };
}
const settle = () => new Promise((r) => setTimeout(r, 0));
const infos = () => control.notifications.filter((n) => n.kind === 'info');

beforeEach(() => {
  control.notifications.length = 0;
  control.messageAnswers.length = 0;
  control.executed.length = 0;
});

test('the first built-in result shows one notification naming the suggested model with its catalog facts; the next results show none', async () => {
  const { notice } = session(newState());
  notice.onResult(storedBy('semantic-flow-mini'));
  notice.onResult(storedBy('semantic-flow-mini'));
  await settle();
  assert.deepEqual(infos(), [
    { kind: 'info', message: MESSAGE, items: ['Download SmolLM2 135M Instruct', "Don't Show Again"] },
  ]);
});

test('"Don\'t Show Again" is kept in globalState: the next session says nothing; closing the toast is not an answer', async () => {
  const state = newState();
  control.messageAnswers.push(() => undefined); // closed
  session(state).notice.onResult(storedBy('semantic-flow-mini'));
  await settle();
  assert.equal(state.get(BUILTIN_NOTICE_KEY), undefined);
  control.messageAnswers.push(() => "Don't Show Again");
  session(state).notice.onResult(storedBy('semantic-flow-mini'));
  await settle();
  assert.equal(state.get(BUILTIN_NOTICE_KEY), 'dismissed');
  session(state).notice.onResult(storedBy('semantic-flow-mini'));
  await settle();
  assert.equal(infos().length, 2, 'a third session after "Don\'t Show Again" shows nothing');
  assert.deepEqual(control.executed, []);
});

test('"Download …" runs Select Model with the suggested id and is kept as an answer too', async () => {
  const state = newState();
  control.messageAnswers.push((n) => n.items[0]);
  session(state).notice.onResult(storedBy('semantic-flow-mini'));
  await settle();
  assert.deepEqual(control.executed, [{ id: 'semanticFlow.selectModel', args: [SUGGESTED_MODEL_ID] }]);
  assert.equal(state.get(BUILTIN_NOTICE_KEY), 'downloaded');
});

test('results of another model, or of a folder that happens to be called semantic-flow-mini, show nothing', async () => {
  const { notice, models } = session(newState());
  notice.onResult(storedBy('Xenova/gpt2'));
  await models.setPick({ kind: 'folder', path: '/models/semantic-flow-mini' });
  notice.onResult(storedBy('semantic-flow-mini'));
  await settle();
  assert.deepEqual(infos(), []);
});

test('the status bar tooltip offers the suggested download while the built-in model is chosen, and not after another is', async () => {
  const { models } = session(newState());
  const engine = {
    status: { health: 'stopped' },
    model: undefined,
    onDidChangeStatus: () => new vscode.Disposable(() => undefined),
  };
  control.statusBarItems.length = 0;
  const bar = new StatusBar(engine as never, new ResultStore(), models, () => config);
  const tooltip = () =>
    control.statusBarItems[0].tooltip as { value: string; isTrusted: { enabledCommands: string[] } };
  const link = `[Download SmolLM2 135M Instruct](command:semanticFlow.selectModel?${encodeURIComponent(JSON.stringify([SUGGESTED_MODEL_ID]))})`;
  assert.ok(tooltip().value.includes(link), tooltip().value);
  assert.ok(
    tooltip().value.includes('135M parameters, about 200 MB to download, Apache\\-2\\.0 licence'),
    tooltip().value,
  );
  assert.ok(tooltip().isTrusted.enabledCommands.includes('semanticFlow.selectModel'), 'the link is allowed to run');
  await models.setPick({ kind: 'hub', id: 'Xenova/gpt2' });
  assert.ok(!tooltip().value.includes('Download'), tooltip().value);
  bar.dispose();
});
