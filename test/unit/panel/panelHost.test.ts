import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { toCsv } from '../../../src/core/exportFormats';
import type { AnalysisResult } from '../../../src/core/result';
import type { PanelHost as PanelHostType } from '../../../src/extension/panel/panelHost';
import type { ResultStore as ResultStoreType } from '../../../src/extension/resultStore';
import { fakeLog, FakePanel, installFakeVscode, makeFakeVscode } from './fakeVscode';
import { generatedToken, plainResult } from './fixtures';

const fake = makeFakeVscode();
installFakeVscode(fake.api);
let PanelHost: typeof PanelHostType;
let ResultStore: typeof ResultStoreType;
before(async () => {
  ({ PanelHost } = await import('../../../src/extension/panel/panelHost'));
  ({ ResultStore } = await import('../../../src/extension/resultStore'));
});

const DOC = 'file:///work/notes.md';
const flush = () => new Promise((r) => setImmediate(r));

function setup() {
  fake.rec.panels.length = 0;
  fake.rec.saveDialogs.length = 0;
  fake.rec.writes.length = 0;
  fake.rec.commands.length = 0;
  fake.rec.saveAnswer = undefined;
  const context = { extensionUri: fake.uri('file', '/ext'), subscriptions: [] as { dispose(): void }[] };
  const store = new ResultStore();
  const { log, lines } = fakeLog();
  const host = new PanelHost(context as never, store, log as never);
  const selected: { uri: string; tokenIndex: number }[] = [];
  host.onDidSelectToken((e) => selected.push(e));
  const put = (r: AnalysisResult = plainResult(), uri = DOC, documentVersion = 1) =>
    store.set({ uri, documentVersion, offset: 0, result: r });
  const panel = (): FakePanel => fake.rec.panels.at(-1)!;
  const posted = () => panel().webview.posted;
  return { context, store, host, log, lines, selected, put, panel, posted };
}

describe('PanelHost', () => {
  beforeEach(() => setup());

  it('opens beside the editor that shows its result, wherever focus is; beside the active group when none does', () => {
    const t = setup();
    t.put();
    // The walkthrough is the active editor in column 1, the analysed document is in column 2.
    fake.api.window.visibleTextEditors = [{ document: { uri: { toString: () => DOC } }, viewColumn: 2 }];
    try {
      t.host.show();
      assert.deepEqual(t.panel().showOptions, { viewColumn: 3, preserveFocus: true });
      t.panel().dispose();
      fake.api.window.visibleTextEditors = [];
      t.host.show();
      assert.deepEqual(t.panel().showOptions, { viewColumn: fake.api.ViewColumn.Beside, preserveFocus: true });
    } finally {
      fake.api.window.visibleTextEditors = [];
    }
  });

  it('creates one strict webview panel and sends nothing before ready', () => {
    const t = setup();
    t.host.show();
    const p = t.panel();
    assert.equal(p.viewType, 'semanticFlow.panel');
    assert.equal(p.title, 'Semantic Flow');
    assert.equal(p.webview.options.enableScripts, true);
    assert.equal(p.webview.options.retainContextWhenHidden, undefined);
    assert.deepEqual(
      (p.webview.options.localResourceRoots as { path: string }[]).map((u) => u.path),
      ['/ext/dist/webview'],
    );
    assert.match(p.webview.html, /script-src 'nonce-/);
    assert.match(p.webview.html, /src="https:\/\/fake\.vscode-cdn\.net\/ext\/dist\/webview\/webview\.js"/);
    assert.match(p.webview.html, /href="https:\/\/fake\.vscode-cdn\.net\/ext\/dist\/webview\/webview\.css"/);
    assert.deepEqual(t.posted(), []);
    t.host.show();
    assert.equal(fake.rec.panels.length, 1, 'show() again reveals the same panel');
    assert.equal(p.revealed, 1);
  });

  it('answers ready with the empty state, then follows the store', () => {
    const t = setup();
    t.host.show();
    t.panel().webview.send({ kind: 'ready', stateVersion: 1 });
    assert.deepEqual(t.posted(), [{ kind: 'empty', reason: 'no-result' }]);
    const r = plainResult();
    r.tokens[1].entropyBits = Number.NaN;
    t.put(r);
    const show = t.posted().at(-1)!;
    assert.equal(show.kind, 'show');
    assert.equal(show.uri, DOC);
    assert.equal(show.stale, false);
    assert.equal((show.result as AnalysisResult).tokens[1].entropyBits, null, 'NaN reaches the panel as null');
    assert.equal((show.result as AnalysisResult).summary.totalBits, 123.4);
    t.store.invalidate(DOC);
    assert.equal(t.posted().at(-1)!.stale, true, 'an edited document keeps its result, marked stale');
  });

  it('renders the latest result on show and re-sends it after the webview reloads', () => {
    const t = setup();
    t.put();
    t.host.show();
    t.panel().webview.send({ kind: 'ready', stateVersion: 1 });
    assert.equal(t.posted().at(-1)!.kind, 'show');
    t.panel().setVisible(false);
    const before = t.posted().length;
    t.put(plainResult(), 'file:///work/other.md');
    assert.equal(t.posted().length, before, 'nothing posted to an unloaded webview');
    t.panel().setVisible(true);
    t.panel().webview.send({ kind: 'ready', stateVersion: 1 });
    assert.equal(t.posted().at(-1)!.uri, 'file:///work/other.md');
  });

  it('reveals a token now, or with the next show when the webview is not ready', () => {
    const t = setup();
    t.put();
    t.host.revealToken(DOC, 2);
    t.host.show();
    t.panel().webview.send({ kind: 'ready', stateVersion: 1 });
    t.host.revealToken(DOC, 3);
    assert.deepEqual(t.posted().at(-1), { kind: 'revealToken', tokenIndex: 3 });
    t.panel().setVisible(false);
    t.host.revealToken(DOC, 5);
    t.panel().webview.send({ kind: 'ready', stateVersion: 1 });
    assert.equal(t.posted().at(-1)!.reveal, 5);
    t.host.revealToken(DOC, -1);
    t.host.revealToken('file:///unknown.md', 1);
    assert.equal(t.posted().at(-1)!.kind, 'show', 'invalid reveals are ignored');
  });

  it('fires onDidSelectToken for valid selections only, and logs junk', () => {
    const t = setup();
    t.put();
    t.host.show();
    const w = t.panel().webview;
    w.send({ kind: 'ready', stateVersion: 1 });
    w.send({ kind: 'selectToken', tokenIndex: 4 });
    w.send({ kind: 'selectToken', tokenIndex: 99 });
    w.send({ kind: 'selectToken', tokenIndex: '1' });
    w.send('<script>');
    assert.deepEqual(t.selected, [{ uri: DOC, tokenIndex: 4 }]);
    assert.equal(t.lines.filter((l) => l.startsWith('warn')).length, 2);
  });

  it("streams the store's live generation and hands over to the final result", () => {
    const t = setup();
    t.host.show();
    const w = t.panel().webview;
    const GEN = 'semantic-flow:/generation/1';
    t.store.streamToken(GEN, generatedToken(0, 'a', { entropyBits: Number.NaN }));
    w.send({ kind: 'ready', stateVersion: 1 });
    assert.deepEqual(t.posted().at(-1), {
      kind: 'stream',
      uri: GEN,
      reset: true,
      tokens: [
        {
          index: 0,
          text: 'a',
          surprisalBits: 1,
          entropyBits: null,
          iotaBits: 0,
          compensatorBits: 0.5,
          residualBits: -0.5,
        },
      ],
    });
    t.store.streamToken(GEN, generatedToken(1, 'b'));
    const last = t.posted().at(-1)!;
    assert.equal(last.reset, false);
    assert.deepEqual(
      (last.tokens as { index: number; text: string }[]).map((x) => [x.index, x.text]),
      [[1, 'b']],
    );
    t.store.streamToken(GEN, generatedToken(0, 'again'));
    assert.equal(t.posted().at(-1)!.reset, true, 'index 0 starts a new stream');
    assert.deepEqual(
      (t.posted().at(-1)!.tokens as { text: string }[]).map((x) => x.text),
      ['again'],
    );
    t.put(plainResult(), GEN);
    assert.equal(t.posted().at(-1)!.kind, 'show');
    assert.equal(t.store.stream(), undefined, 'the stored result ends its stream');
  });

  it('exports only to a path the user confirmed in the save dialog', async () => {
    const t = setup();
    t.put();
    t.host.show();
    const w = t.panel().webview;
    w.send({ kind: 'ready', stateVersion: 1 });
    w.send({ kind: 'export', format: 'csv' });
    await flush();
    assert.equal(fake.rec.saveDialogs.length, 1);
    assert.equal((fake.rec.saveDialogs[0].defaultUri as { path: string }).path, '/work/notes.md.semantic-flow.csv');
    assert.equal(fake.rec.writes.length, 0, 'cancelled dialog: nothing written');
    fake.rec.saveAnswer = fake.uri('file', '/tmp/out.csv');
    w.send({ kind: 'export', format: 'csv' });
    await flush();
    assert.equal(fake.rec.writes.length, 1);
    assert.equal(fake.rec.writes[0].uri.path, '/tmp/out.csv');
    assert.equal(new TextDecoder().decode(fake.rec.writes[0].bytes), toCsv(plainResult()));
    assert.deepEqual(t.posted().at(-1), { kind: 'exported', what: 'csv', ok: true, message: 'Saved /tmp/out.csv' });
    w.send({ kind: 'exportPng', dataUrl: 'data:text/html,<script>alert(1)</script>' });
    await flush();
    assert.equal(fake.rec.saveDialogs.length, 2, 'a bad image never reaches the dialog');
    assert.equal(t.posted().at(-1)!.ok, false);
  });

  it('runs only the allowlisted command from the empty state', async () => {
    const t = setup();
    t.host.show();
    const w = t.panel().webview;
    w.send({ kind: 'runCommand', command: 'semanticFlow.analyzeSelection' });
    w.send({ kind: 'runCommand', command: 'workbench.action.openSettings' });
    await flush();
    assert.deepEqual(fake.rec.commands, ['semanticFlow.analyzeSelection']);
  });

  it('revives a panel after reload through the serializer, and disposes cleanly', async () => {
    const t = setup();
    const reg = t.host.registerSerializer();
    const revived = new FakePanel('semanticFlow.panel', 'Semantic Flow', {});
    await fake.rec.serializers.get('semanticFlow.panel')!.deserializeWebviewPanel(revived, { version: 1 });
    assert.match(revived.webview.html, /Content-Security-Policy/);
    assert.equal(revived.webview.options.enableScripts, true);
    revived.webview.send({ kind: 'ready', stateVersion: 1 });
    assert.deepEqual(revived.webview.posted, [{ kind: 'empty', reason: 'no-result' }]);
    t.put();
    assert.equal(revived.webview.posted.at(-1)!.kind, 'show');
    t.host.dispose();
    assert.equal(revived.disposed, true);
    reg.dispose();
    assert.equal(fake.rec.serializers.size, 0);
  });

  it('revives into this host: show() reveals the revived panel and reports its token clicks', async () => {
    const t = setup();
    const reg = t.host.registerSerializer();
    const revived = new FakePanel('semanticFlow.panel', 'Semantic Flow', {});
    await fake.rec.serializers.get('semanticFlow.panel')!.deserializeWebviewPanel(revived, { version: 1 });
    t.put();
    t.host.show();
    assert.equal(fake.rec.panels.length, 0, 'show() after a revival creates no second panel');
    assert.equal(revived.revealed, 1);
    revived.webview.send({ kind: 'ready', stateVersion: 1 });
    revived.webview.send({ kind: 'selectToken', tokenIndex: 2 });
    assert.deepEqual(t.selected, [{ uri: DOC, tokenIndex: 2 }]);
    reg.dispose();
  });

  it('shows the last result again after a window reload, marked stale, and keeps none too large', async () => {
    const saved = new Map<string, unknown>();
    const workspaceState = {
      get: (k: string) => saved.get(k),
      update: async (k: string, v: unknown) => void (v === undefined ? saved.delete(k) : saved.set(k, v)),
    };
    const before = setup();
    (before.context as Record<string, unknown>).workspaceState = workspaceState;
    const shown = plainResult();
    before.put(shown);
    before.host.dispose();
    // The reload: a new extension host with an empty store, the same workspaceState.
    const after = setup();
    (after.context as Record<string, unknown>).workspaceState = workspaceState;
    const reg = after.host.registerSerializer();
    const revived = new FakePanel('semanticFlow.panel', 'Semantic Flow', {});
    await fake.rec.serializers.get('semanticFlow.panel')!.deserializeWebviewPanel(revived, { version: 1 });
    revived.webview.send({ kind: 'ready', stateVersion: 1 });
    const msg = revived.webview.posted.at(-1) as { kind: string; stale: boolean; uri: string; result: AnalysisResult };
    assert.equal(msg.kind, 'show');
    assert.equal(msg.stale, true);
    assert.equal(msg.uri, DOC);
    assert.equal(msg.result.text, shown.text);
    assert.deepEqual(
      msg.result.tokens.map((t) => t.surprisalBits),
      shown.tokens.map((t) => t.surprisalBits),
    );
    // A result whose JSON is over the limit replaces the kept one with nothing.
    const huge = plainResult();
    huge.text = 'x'.repeat(4 * 1024 * 1024 + 1);
    after.put(huge);
    await flush();
    assert.equal(saved.size, 0);
    after.host.dispose();
    reg.dispose();
  });
});
