/**
 * The extension activated on a working stand-in for the `vscode` module (test/unit/extension/fakeVscode.ts),
 * its commands run end to end through the bundled engine worker (dist/worker.js; `npm run build` first)
 * on the built-in model: activation does no model work, results drive decorations, hovers and the e2e
 * status file, edits shift decorations, live mode re-scores, errors carry one action.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/engines/builtinModel';
import { createFakeVscode, installFakeVscode, type FakeEditor } from '../unit/extension/fakeVscode';
import { FakePanel } from '../unit/panel/fakeVscode';
import type { E2eStatusFile } from '../../src/extension/e2eStatus';

const root = packageRoot(__dirname);
const built = existsSync(join(root, 'dist/worker.js'));
const statusFile = join(mkdtempSync(join(tmpdir(), 'sf-e2e-')), 'status.json');
process.env.SEMANTIC_FLOW_E2E_STATUS = statusFile;
const { vscode, control } = createFakeVscode(root);
installFakeVscode(vscode);
// Loaded after the fake is installed, through require so the CommonJS hook sees `vscode`.
const ext = require('../../src/extension/extension') as typeof import('../../src/extension/extension');
const { CommandId } = require('../../src/extension/commandIds') as typeof import('../../src/extension/commandIds');
const context = control.context() as { subscriptions: { dispose(): unknown }[] };

const status = (): E2eStatusFile => JSON.parse(readFileSync(statusFile, 'utf8'));
const run = (id: string, ...args: unknown[]) => control.commands.get(id)!(...args) as Promise<void>;
const painted = (e: FakeEditor) => [...e.decorations.values()].reduce((n, r) => n + r.length, 0);
const allRanges = (e: FakeEditor) =>
  [...e.decorations.values()]
    .flat()
    .map((r) => [e.document.offsetAt(r.start), e.document.offsetAt(r.end)])
    .sort((a, b) => a[0] - b[0]);
async function until(cond: () => boolean, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

let activationMs = 0;
before(() => {
  const t0 = performance.now();
  ext.activate(context as never);
  activationMs = performance.now() - t0;
});
after(async () => {
  await ext.deactivate();
  for (const d of context.subscriptions) d.dispose();
});

test('activation registers every command and starts no worker', (t) => {
  assert.deepEqual([...control.commands.keys()].sort(), Object.values(CommandId).sort());
  assert.ok(!control.logLines.some((l) => /starting the engine/.test(l)));
  assert.ok(activationMs < 250, `activation took ${activationMs.toFixed(1)} ms`);
  t.diagnostic(`activation: ${activationMs.toFixed(1)} ms`);
});

test('an empty selection: "Select some text first", nothing analysed', async () => {
  const editor = control.open('Nothing selected here.', 'file:///empty.txt');
  await run(CommandId.analyzeSelection);
  assert.match(control.notifications.at(-1)!.message, /^Select some text first/);
  assert.equal(painted(editor), 0);
  assert.equal(status().lastCommand, CommandId.analyzeSelection);
  assert.equal(status().result, null);
});

const TEXT = 'def add(a, b):\n    return a + b\n\nThe cat sat on the mat.';

test('Analyze Selection paints every scored token, writes the status file and answers hovers', {
  skip: !built && 'run npm run build first',
}, async () => {
  const editor = control.open(TEXT, 'file:///a.py', 'python');
  editor.select(0, TEXT.length);
  await run(CommandId.analyzeSelection);
  const s = status();
  assert.equal(s.ok, true, JSON.stringify(s.errors));
  assert.equal(s.engine, 'ready');
  assert.equal(s.model?.id, 'semantic-flow-mini');
  assert.equal(s.result?.uri, 'file:///a.py');
  assert.equal(s.decorations.total, s.result?.scoredTokens, 'one range per scored token');
  assert.equal(painted(editor), s.decorations.total);
  assert.ok(s.result!.totalBits > 0);
  const hover = control.hoverProviders[0].provideHover(
    editor.document as never,
    editor.document.positionAt(TEXT.indexOf('cat') + 1),
  );
  assert.match(hover!.contents.value, /token \d+ · “·cat”/);
  assert.match(hover!.contents.value, /surprisal \| \d+\\\.\d\d bits/);
});

test('an edit shifts the decorations after it and drops the touched token', {
  skip: !built && 'run npm run build first',
}, async () => {
  const editor = control.open(TEXT, 'file:///b.py', 'python');
  editor.select(0, TEXT.length);
  await run(CommandId.analyzeSelection);
  const before_ = allRanges(editor);
  const at = TEXT.indexOf('return');
  control.edit(editor, at, at, 'xyz'); // inside the indentation/return token: shift everything after by 3
  const after_ = allRanges(editor);
  const last = before_.at(-1)!;
  assert.deepEqual(after_.at(-1), [last[0] + 3, last[1] + 3]);
  assert.ok(after_.length < before_.length, 'the token the edit touched is dropped');
  assert.deepEqual(after_[0], before_[0], 'tokens before the edit stay');
});

test('live mode re-scores the edited region after typing pauses', {
  skip: !built && 'run npm run build first',
}, async () => {
  const editor = control.open('The cat sat on the mat.', 'file:///live.txt');
  editor.select(0, 23);
  await run(CommandId.analyzeSelection);
  const n0 = status().result!.tokens;
  await run(CommandId.toggleLiveMode);
  control.edit(editor, 7, 7, ' quietly');
  await until(() => status().lastCommand === 'liveMode.rescore');
  const s = status();
  assert.equal(s.result?.uri, 'file:///live.txt');
  assert.ok(s.result!.tokens > n0, 'the new words are scored');
  assert.equal(painted(editor), s.decorations.total);
  // "The cat" is unchanged: its measures came from the KV cache of the first analysis.
  const line = control.logLines.filter((l) => /live mode: re-scored/.test(l)).at(-1) ?? '';
  const m = /re-scored (\d+) of (\d+) tokens \(the unchanged prefix came from the KV cache\)/.exec(line);
  assert.ok(m, `live mode logged its reuse: ${line}`);
  assert.equal(Number(m![2]), s.result!.tokens);
  assert.ok(Number(m![1]) < s.result!.tokens);
  await run(CommandId.toggleLiveMode);
});

test('Directed Information splits at the --- line', { skip: !built && 'run npm run build first' }, async () => {
  control.open('Q: What is two plus two?\n---\nA: Four.', 'file:///di.txt');
  await run(CommandId.directedInformation);
  const s = status();
  assert.equal(s.ok, true, JSON.stringify(s.errors));
  assert.equal(s.result?.hasDi, true);
  assert.equal(s.result?.kind, 'di');
  assert.equal(s.result?.uri, 'file:///di.txt', 'stored against the document: the result text is the document text');
  assert.ok(s.decorations.total > 0);
});

/** The panel revived in the reload test below (later tests find the host's panel through it). */
let revived: FakePanel | undefined;

test('a panel revived after a window reload is the panel commands use, and its token clicks select in the editor', {
  skip: !built && 'run npm run build first',
}, async () => {
  revived = new FakePanel('semanticFlow.panel', 'Semantic Flow', {});
  await control.serializers.get('semanticFlow.panel')!.deserializeWebviewPanel(revived, { version: 1 });
  const editor = control.open(TEXT, 'file:///revived.py', 'python');
  editor.select(0, TEXT.length);
  await run(CommandId.analyzeSelection);
  revived.webview.send({ kind: 'ready', stateVersion: 1 });
  const shown = revived.webview.posted.at(-1) as {
    kind: string;
    uri: string;
    result: { tokens: { index: number; text: string; start: number; end: number }[] };
  };
  assert.equal(shown.kind, 'show');
  assert.equal(shown.uri, 'file:///revived.py');
  const cat = shown.result.tokens.find((t) => t.text === ' cat')!;
  editor.select(0, 0);
  revived.webview.send({ kind: 'selectToken', tokenIndex: cat.index });
  await until(
    () =>
      editor.document.offsetAt(editor.selection.start) === cat.start &&
      editor.document.offsetAt(editor.selection.end) === cat.end,
    5000,
  );
  assert.equal(editor.document.getText(editor.selection), ' cat');
  await run(CommandId.showPanel);
  assert.equal(control.panels.length, 0, 'Show Panel reveals the revived panel instead of opening a second one');
  assert.equal(revived.revealed, 1);
});

test('a generation streams into the store and reaches the panel token by token, then its result replaces the stream', {
  skip: !built && 'run npm run build first',
}, async () => {
  const panel = control.panels.at(-1) ?? revived!;
  panel.webview.send({ kind: 'ready', stateVersion: 1 });
  const editor = control.open('The cat sat on the', 'file:///prompt.txt');
  editor.select(0, 18);
  control.setSetting('semanticFlow.generate.maxTokens', 4);
  const from = panel.webview.posted.length;
  await run(CommandId.generate);
  control.setSetting('semanticFlow.generate.maxTokens', 64);
  assert.equal(status().ok, true, JSON.stringify(status().errors));
  const posted = panel.webview.posted.slice(from) as {
    kind: string;
    reset?: boolean;
    tokens?: { text: string; surprisalBits: number | null }[];
    result?: { generation?: { tokens: { text: string; surprisalBits: number }[] } };
  }[];
  const streams = posted.filter((m) => m.kind === 'stream');
  assert.ok(streams.length >= 2, `${streams.length} stream messages`);
  assert.equal(streams[0].reset, true);
  assert.ok(
    streams.slice(1).every((m) => m.reset === false && m.tokens!.length === 1),
    'one appended token per message',
  );
  const final = posted.at(-1)!;
  assert.equal(final.kind, 'show', 'the stored result replaces the stream');
  const generated = final.result!.generation!.tokens;
  assert.deepEqual(
    streams.flatMap((m) => m.tokens!).map((t) => [t.text, t.surprisalBits]),
    generated.map((t) => [t.text, t.surprisalBits]),
  );
});

test('the status bar says why the flow metric draws nothing, following the selection (from the store, not the decorations)', {
  skip: !built && 'run npm run build first',
}, async () => {
  const text = 'The cat sat on the mat.\nNot analysed.';
  const editor = control.open(text, 'file:///note.txt');
  editor.select(0, 23);
  control.quickPickAnswers.push((items) => items.find((i) => i.label === 'token'));
  await run(CommandId.flowMatrix);
  assert.equal(status().result?.hasFlow, true, JSON.stringify(status().errors));
  control.setSetting('semanticFlow.decoration.metric', 'flowIntoSelection');
  const item = control.statusBarItems.find((i) => i.id === 'semanticFlow.status')!;
  const tooltip = () => (item.tooltip as { value: string }).value;
  try {
    control.select(editor, 30, 30); // after the analysed text: no target token selected
    assert.match(tooltip(), /Select target tokens to see the flow into them/);
    control.select(editor, text.indexOf(' mat'), text.indexOf(' mat') + 4);
    assert.doesNotMatch(tooltip(), /Select target tokens/);
    control.select(editor, 30, 30);
    assert.match(tooltip(), /Select target tokens/);
  } finally {
    control.setSetting('semanticFlow.decoration.metric', 'surprisal');
  }
});

test('a missing model folder: one error with a Select Model button; Clear Decorations clears', {
  skip: !built && 'run npm run build first',
}, async () => {
  const editor = control.open('Some words to score.', 'file:///err.txt');
  editor.select(0, 10);
  control.setSetting('semanticFlow.model', '/nonexistent/model');
  await run(CommandId.analyzeSelection);
  const n = control.notifications.at(-1)!;
  assert.equal(n.kind, 'error');
  assert.match(n.message, /not found/);
  assert.deepEqual(n.items, ['Select Model']);
  assert.equal(status().ok, false);
  control.setSetting('semanticFlow.model', 'builtin');
  await run(CommandId.analyzeSelection);
  assert.ok(painted(editor) > 0);
  await run(CommandId.clearDecorations);
  assert.equal(painted(editor), 0);
  assert.equal(status().decorations.total, 0);
});
