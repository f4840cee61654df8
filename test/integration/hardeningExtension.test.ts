/**
 * Hardening, in the extension (fake vscode, test/unit/extension/fakeVscode.ts) with the real bundled
 * engine process (dist/worker.js; `npm run build` first) on the built-in model: bad input refused before
 * any engine work, a 5 MB document refused at once under the configurable limit while the extension keeps
 * working, a second analysis superseding the first with no interleaved results, a document edited or
 * closed while it is analysed never decorated on stale ranges, and decorations that go with their editors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/engines/builtinModel';
import {
  createFakeVscode,
  installFakeVscode,
  EventEmitter,
  type FakeDocument,
  type FakeEditor,
} from '../unit/extension/fakeVscode';
import type { E2eStatusFile } from '../../src/extension/e2eStatus';

const root = packageRoot(__dirname);
const built = existsSync(join(root, 'dist/worker.js'));
const skip = !built && 'run npm run build first';
const statusFile = join(mkdtempSync(join(tmpdir(), 'sf-hard-')), 'status.json');
process.env.SEMANTIC_FLOW_E2E_STATUS = statusFile;
const { vscode, control } = createFakeVscode(root);

// Extra fake surface this file needs: a document-close event it can fire, progress reports it can
// observe, and decoration types whose disposal is recorded.
const closeEvents = new EventEmitter<FakeDocument>();
(vscode.workspace as { onDidCloseTextDocument: unknown }).onDidCloseTextDocument = closeEvents.event;
let onProgressReport: (() => void) | undefined;
const originalWithProgress = vscode.window.withProgress;
(vscode.window as { withProgress: unknown }).withProgress = (
  o: unknown,
  task: (p: { report(v: unknown): void }, t: unknown) => Promise<unknown>,
) =>
  originalWithProgress(o, (p, t) =>
    task(
      {
        report: (v) => {
          p.report(v);
          const f = onProgressReport;
          onProgressReport = undefined;
          f?.();
        },
      },
      t,
    ),
  );
const decorationTypes: { key: string; disposed: boolean }[] = [];
(vscode.window as { createTextEditorDecorationType: unknown }).createTextEditorDecorationType = (options: unknown) => {
  const t = {
    key: `deco${decorationTypes.length}`,
    options,
    disposed: false,
    dispose() {
      t.disposed = true;
    },
  };
  decorationTypes.push(t);
  return t;
};
installFakeVscode(vscode);
const ext = require('../../src/extension/extension') as typeof import('../../src/extension/extension');
const { CommandId } = require('../../src/extension/commandIds') as typeof import('../../src/extension/commandIds');
const context = control.context() as { subscriptions: { dispose(): unknown }[] };

const status = (): E2eStatusFile => JSON.parse(readFileSync(statusFile, 'utf8'));
const run = (id: string, ...args: unknown[]) => control.commands.get(id)!(...args) as Promise<void>;
const painted = (e: FakeEditor) => [...e.decorations.values()].reduce((n, r) => n + r.length, 0);
const ranges = (e: FakeEditor) =>
  [...e.decorations.values()]
    .flat()
    .map((r) => [e.document.offsetAt(r.start), e.document.offsetAt(r.end)] as const)
    .sort((a, b) => a[0] - b[0]);
const engineStarted = () => control.logLines.some((l) => /starting the engine/.test(l));
/** Every setDecorations call on `editor`, as the list of painted [start, end) offsets per call batch. */
function recordPaints(editor: FakeEditor): [number, number][][] {
  const calls: [number, number][][] = [];
  const set = editor.setDecorations.bind(editor);
  editor.setDecorations = (type, rs) => {
    set(type, rs);
    calls.push(rs.map((r) => [editor.document.offsetAt(r.start), editor.document.offsetAt(r.end)]));
  };
  return calls;
}
function close(editor: FakeEditor): void {
  (editor.document as FakeDocument & { isClosed?: boolean }).isClosed = true;
  vscode.window.visibleTextEditors = vscode.window.visibleTextEditors.filter((e) => e !== editor);
  if (vscode.window.activeTextEditor === editor)
    vscode.window.activeTextEditor = vscode.window.visibleTextEditors.at(-1);
  vscode.workspace.textDocuments = vscode.workspace.textDocuments.filter((d) => d !== editor.document);
  closeEvents.fire(editor.document);
  for (const l of visibleListeners) l(vscode.window.visibleTextEditors);
}
const visibleListeners: ((e: FakeEditor[]) => unknown)[] = [];
const originalVisible = vscode.window.onDidChangeVisibleTextEditors;
(vscode.window as { onDidChangeVisibleTextEditors: unknown }).onDidChangeVisibleTextEditors = (
  l: (e: FakeEditor[]) => unknown,
) => {
  visibleListeners.push(l);
  return originalVisible(l);
};

before(() => ext.activate(context as never));
after(async () => {
  await ext.deactivate();
  for (const d of context.subscriptions) d.dispose();
});

test('whitespace only and NUL bytes are refused with a message before the engine starts', async () => {
  const ws = control.open('   \n\t  \r\n  ', 'file:///ws.txt');
  ws.select(0, ws.document.text.length);
  await run(CommandId.analyzeSelection);
  assert.equal(control.notifications.at(-1)!.message, 'There is only whitespace to analyze; select some text first.');
  const bin = control.open('PK\u0003\u0004\u0000\u0000binary\u0000stuff', 'file:///bin.zip');
  bin.select(0, bin.document.text.length);
  await run(CommandId.analyzeSelection);
  const n = control.notifications.at(-1)!;
  assert.equal(n.kind, 'warning');
  assert.equal(
    n.message,
    'The text looks like binary data (it contains a NUL character at offset 4); only text can be analyzed.',
  );
  await run(CommandId.analyzeDocument);
  assert.match(control.notifications.at(-1)!.message, /NUL character at offset 4/);
  assert.equal(painted(bin) + painted(ws), 0);
  assert.ok(!engineStarted(), 'no engine work for refused input');
});

test('a 5 MB document is refused at once under semanticFlow.maxInputBytes (a setting), and the extension keeps working', {
  skip,
  timeout: 20_000,
}, async () => {
  const big = control.open('All work and no play makes Jack a dull boy.\n'.repeat(120_000), 'file:///big.txt'); // 5.3 MB
  const t0 = performance.now();
  await run(CommandId.analyzeDocument);
  const ms = performance.now() - t0;
  const n = control.notifications.at(-1)!;
  assert.equal(n.kind, 'warning');
  assert.equal(
    n.message,
    'The text is 5280000 bytes, over the limit of 262144 bytes (setting semanticFlow.maxInputBytes). Select less text, or raise the limit.',
  );
  assert.deepEqual(n.items, ['Open Settings']);
  assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
  assert.equal(painted(big), 0);
  assert.ok(!engineStarted(), 'the engine never saw it');
  // the limit is the setting: lowered, a small selection is refused; restored, it is analysed
  control.setSetting('semanticFlow.maxInputBytes', 16);
  const small = control.open('The cat sat on the mat, quietly.', 'file:///small.txt');
  small.select(0, 32);
  await run(CommandId.analyzeSelection);
  assert.match(control.notifications.at(-1)!.message, /^The text is 32 bytes, over the limit of 16 bytes/);
  control.setSetting('semanticFlow.maxInputBytes', 262144);
  await run(CommandId.analyzeSelection);
  assert.equal(status().ok, true, JSON.stringify(status().errors));
  assert.ok(painted(small) > 0, 'the next command works');
  close(big);
});

test('CRLF, right-to-left text and lone surrogates in a document: every decoration covers exactly its token', {
  skip,
}, async () => {
  const text = 'שלום עולם\r\nمرحبا بالعالم\nmixed \ud800 line\r\n\r\nend 😀.';
  const editor = control.open(`prefix line\r\n${text}`, 'file:///rtl.txt');
  const at = 13; // the selection starts after a CRLF: decorations sit at document offsets
  editor.select(at, at + text.length);
  await run(CommandId.analyzeSelection);
  assert.equal(status().ok, true, JSON.stringify(status().errors));
  const rs = ranges(editor);
  assert.equal(rs.length, status().result!.scoredTokens);
  let covered = 0;
  for (const [s0, e0] of rs) {
    const s = s0 - at,
      e = e0 - at;
    assert.ok(s >= 0 && e > s && e <= text.length, `range ${s0}-${e0} inside the selection`);
    assert.ok(s <= covered, `no gap before ${s} (${JSON.stringify(text.slice(covered, s))} undecorated)`);
    for (const i of [s, e])
      assert.ok(
        !((text.charCodeAt(i) & 0xfc00) === 0xdc00 && (text.charCodeAt(i - 1) & 0xfc00) === 0xd800),
        `${i} is not inside a surrogate pair`,
      );
    covered = Math.max(covered, e);
  }
  assert.equal(
    covered,
    text.length,
    'the decorations cover the whole document: every token, every line break, exactly',
  );
  close(editor);
});

const LONG = 'The quick brown fox jumps over the lazy dog, and then it runs far away into the woods. '.repeat(80);

test('a second analysis of the same document while the first runs supersedes it: only the second is ever painted', {
  skip,
}, async () => {
  const editor = control.open(LONG, 'file:///race.txt');
  const paints = recordPaints(editor);
  editor.select(0, LONG.length);
  let second: Promise<void> | undefined;
  onProgressReport = () => {
    // the first request is in the engine (a progress report came back): ask again for a small range
    editor.select(4, 19);
    second = run(CommandId.analyzeSelection);
  };
  const first = run(CommandId.analyzeSelection);
  await first;
  assert.ok(second, 'the second command started while the first ran');
  await second;
  const s = status();
  assert.equal(s.ok, true, JSON.stringify(s.errors));
  assert.ok(!control.notifications.some((n) => /cancel/i.test(n.message)), 'the superseded command stays silent');
  const painted_ = paints.flat();
  assert.ok(painted_.length > 0);
  for (const [a, b] of painted_)
    assert.ok(a >= 4 && b <= 19, `only the second analysis (4–19) was painted, saw ${a}–${b}`);
  assert.equal(s.result!.tokens, status().tokenCount);
  close(editor);
});

test('a document edited while it is analysed: no decorations on stale ranges, one message to run again', {
  skip,
}, async () => {
  const text = 'a'.repeat(3000);
  const editor = control.open(text, 'file:///edited.txt');
  const paints = recordPaints(editor);
  editor.select(100, 2900);
  // an edit before the range that leaves the same characters at the old offsets: only the version tells
  onProgressReport = () => control.edit(editor, 0, 0, 'a');
  await run(CommandId.analyzeSelection);
  assert.equal(paints.flat().length, 0, 'nothing painted for the old version');
  assert.equal(painted(editor), 0);
  assert.match(
    control.notifications.at(-1)!.message,
    /\/edited\.txt changed while it was being analysed; run the command again\./,
  );
  assert.equal(status().ok, false);
  close(editor);
});

test('a document closed while it is analysed: nothing is stored or painted, also when it is opened again', {
  skip,
}, async () => {
  const editor = control.open(LONG, 'file:///closed.txt');
  editor.select(0, LONG.length);
  const before_ = control.notifications.length;
  onProgressReport = () => close(editor);
  await run(CommandId.analyzeSelection);
  assert.equal(control.notifications.length, before_, 'closing is not an error');
  assert.notEqual(status().result?.uri, 'file:///closed.txt');
  const reopened = control.open(`${LONG.slice(0, 100)}changed on disk`, 'file:///closed.txt');
  assert.equal(painted(reopened), 0, 'no decorations on the reopened document from the stale result');
  close(reopened);
});

test('a model ONNX Runtime cannot load: one error with Select Model, and the next command with a good model works', {
  skip,
}, async () => {
  const { Graph, DT } = await import(join(root, 'tools', 'fixtures', 'onnxWriter.mjs'));
  const g = new Graph('broken');
  g.input('input_ids', DT.int64, ['batch', 'seq']);
  g.input('attention_mask', DT.int64, ['batch', 'seq']);
  g.output(g.op('NoSuchOperatorAnywhere', ['input_ids']), DT.float, ['batch', 'seq', 400], 'logits');
  const broken = mkdtempSync(join(tmpdir(), 'sf-hard-broken-'));
  cpSync(join(root, 'test/fixtures/models/tiny-gpt2'), broken, {
    recursive: true,
    filter: (f) => !f.endsWith('model_quantized.onnx'),
  });
  writeFileSync(join(broken, 'onnx', 'model.onnx'), g.toBytes());
  const editor = control.open('Some words to score.', 'file:///broken.txt');
  editor.select(0, 20);
  try {
    control.setSetting('semanticFlow.model', broken);
    await run(CommandId.analyzeSelection);
    const n = control.notifications.at(-1)!;
    assert.equal(n.kind, 'error');
    assert.ok(
      n.message.startsWith(`The ONNX model in ${broken} could not be loaded: it is corrupt or not an ONNX model (`),
      n.message,
    );
    assert.deepEqual(n.items, ['Select Model']);
    assert.equal(painted(editor), 0);
  } finally {
    control.setSetting('semanticFlow.model', 'builtin');
    rmSync(broken, { recursive: true, force: true });
  }
  await run(CommandId.analyzeSelection);
  assert.equal(status().ok, true, JSON.stringify(status().errors));
  assert.ok(painted(editor) > 0);
  close(editor);
});

test('decorations go with their editors: a closed editor keeps no drawn state, and every decoration type is disposed on deactivate', {
  skip,
}, async () => {
  const editor = control.open('The cat sat on the mat.', 'file:///deco.txt');
  editor.select(0, 23);
  await run(CommandId.analyzeSelection);
  assert.ok(painted(editor) > 0);
  assert.ok(status().decorations.total > 0);
  close(editor);
  await run(CommandId.showLog); // writes the status file again
  assert.equal(
    status().result?.uri === 'file:///deco.txt' ? status().decorations.total : 0,
    0,
    'the closed document has nothing drawn',
  );
  assert.ok(decorationTypes.length >= 8);
  await ext.deactivate();
  for (const d of context.subscriptions.splice(0)) d.dispose();
  assert.deepEqual(
    decorationTypes.filter((t) => !t.disposed).map((t) => t.key),
    [],
    'every decoration type disposed',
  );
});
