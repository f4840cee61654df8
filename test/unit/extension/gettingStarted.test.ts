/**
 * What the walkthrough relies on, on the fake vscode: Analyze Sample opens the bundled sample as an untitled
 * Markdown document and analyses all of it; Open Settings opens this extension's settings; commands started
 * while a non-text view has focus act on the one text editor on screen; the context keys that complete the
 * walkthrough's steps follow what really happened.
 */
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../src/extension/config';
import type { Services } from '../../../src/extension/services';
import type { AnalyzeParams, EngineStatus } from '../../../src/worker/protocol';
import { fakeInfo } from '../../helpers/fakeModel';
import { DEFAULT_CONFIG } from './defaultConfig';
import {
  analyzeSample,
  ContextKeys,
  control,
  ModelSelection,
  openSettings,
  ResultStore,
  root,
  SAMPLE_PATH,
  UserErrors,
  vscode,
} from './onFakeVscode';
import { resultOf } from './results';

const { activeEditor } =
  require('../../../src/extension/commands/shared') as typeof import('../../../src/extension/commands/shared');

const config: Config = DEFAULT_CONFIG;
const context = {
  ...(control.context() as object),
  globalStorageUri: vscode.Uri.file(mkdtempSync(join(tmpdir(), 'sf-walkthrough-'))),
} as never;
const log = vscode.window.createOutputChannel('test') as never;
const SAMPLE = readFileSync(join(root, SAMPLE_PATH), 'utf8');

/** Services whose engine answers `analyze` with one token per word of the text. */
function services() {
  const requests: AnalyzeParams[] = [];
  const store = new ResultStore();
  const engine = {
    async request(method: string, params: AnalyzeParams) {
      assert.equal(method, 'analyze');
      requests.push(params);
      return resultOf(params.text.split(/(?<= )/).map((w) => [w, 3] as [string, number]));
    },
  };
  const s = {
    context,
    store,
    engine,
    log,
    errors: new UserErrors(log),
    models: new ModelSelection(context, []),
    config: () => config,
    liveMode: { cancel: () => undefined },
  } as unknown as Services;
  return { s, store, requests };
}

beforeEach(() => {
  control.window.activeTextEditor = undefined;
  control.window.visibleTextEditors = [];
  control.notifications.length = 0;
  control.executed.length = 0;
});

test('Analyze Sample opens the bundled prompt/response sample as an untitled Markdown document and analyses all of it; a second run reuses it', async () => {
  assert.match(SAMPLE, /\n---\n/, 'the sample has a prompt, the --- marker line, and a response');
  const { s, store, requests } = services();
  assert.equal(await analyzeSample(s), true);
  const doc = control.window.activeTextEditor!.document;
  assert.equal(doc.uri.scheme, 'untitled');
  assert.equal(doc.languageId, 'markdown');
  assert.equal(doc.getText(), SAMPLE);
  assert.equal(requests[0].text, SAMPLE);
  assert.equal(
    store.get(doc.uri.toString())?.result.text,
    SAMPLE,
    'stored against the document (decorated, hoverable)',
  );
  assert.equal(await analyzeSample(s), true);
  assert.equal(control.window.activeTextEditor!.document, doc, 'the open, unchanged copy is shown again');
});

test("Open Settings shows this extension's settings, or one setting; anything but a setting name is refused", async () => {
  const { s } = services();
  await openSettings(s);
  await openSettings(s, 'device');
  assert.deepEqual(
    control.executed.map((e) => e.args),
    [['@ext:semantic-flow.semantic-flow'], ['semanticFlow.device']],
  );
  assert.deepEqual(
    control.executed.map((e) => e.id),
    ['workbench.action.openSettings', 'workbench.action.openSettings'],
  );
  await assert.rejects(openSettings(s, 'device"; rm'), /not a setting name/);
});

test('with focus in a non-text view, a command acts on the one text editor on screen; with none or several it asks for one', () => {
  const { s } = services();
  const editor = control.open('Some text.', 'file:///one.txt');
  control.window.activeTextEditor = undefined; // the panel or the walkthrough has focus
  assert.equal(activeEditor(s, 'Analyze Selection'), editor);
  control.open('Other text.', 'file:///two.txt');
  control.window.activeTextEditor = undefined;
  assert.equal(activeEditor(s, 'Analyze Selection'), undefined);
  assert.equal(
    control.notifications.at(-1)?.message,
    'Open a text editor first, then run Semantic Flow: Analyze Selection.',
  );
});

test('context keys follow what happened: a result, a directed-information result, a non-built-in model, an accelerator', async () => {
  const { store, s } = services();
  const status = new vscode.EventEmitter<EngineStatus>();
  const engine = { model: undefined as ReturnType<typeof fakeInfo> | undefined, onDidChangeStatus: status.event };
  const keys = new ContextKeys(store, s.models, engine as never, () => config);
  const key = (k: string) => control.contextKeys.get(`semanticFlow.${k}`);
  assert.deepEqual(['hasResult', 'hasDirectedInformation', 'externalModel', 'onAccelerator'].map(key), [
    false,
    false,
    false,
    false,
  ]);

  store.set({ uri: 'file:///a.txt', documentVersion: 1, offset: 0, result: resultOf([['a', 1]]) });
  assert.equal(key('hasResult'), true);
  assert.equal(key('hasDirectedInformation'), false);
  const di = { prompt: { start: 0, end: 1 }, response: { start: 1, end: 2 }, tokens: [], totalBits: 0.5 } as never;
  store.set({
    uri: 'file:///b.txt',
    documentVersion: 1,
    offset: 0,
    result: resultOf(
      [
        ['a', 1],
        ['b', 2],
      ],
      { di },
    ),
    kind: 'di',
  });
  assert.equal(key('hasDirectedInformation'), true);
  store.clear();
  assert.equal(key('hasResult'), false);

  await s.models.setPick({ kind: 'hub', id: 'HuggingFaceTB/SmolLM2-135M-Instruct' });
  assert.equal(key('externalModel'), true);
  await s.models.setPick({ kind: 'builtin' });
  assert.equal(key('externalModel'), false);

  engine.model = fakeInfo({ device: 'cpu', requestedDevice: 'auto' });
  status.fire({ health: 'ready', model: engine.model });
  assert.equal(key('onAccelerator'), false);
  engine.model = fakeInfo({ device: 'webgpu', requestedDevice: 'auto' });
  status.fire({ health: 'ready', model: engine.model });
  assert.equal(key('onAccelerator'), true);
  const sets = control.executed.filter((e) => e.id === 'setContext').length;
  status.fire({ health: 'ready', model: engine.model });
  assert.equal(
    control.executed.filter((e) => e.id === 'setContext').length,
    sets,
    'an unchanged value is not set again',
  );
  keys.dispose();
});
