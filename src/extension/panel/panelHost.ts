/**
 * The Semantic Flow panel's lifecycle (webview-sample shape): one WebviewPanel, created or revealed by
 * show(), revived after a window reload by this host's own serializer. activate() builds the one host, so
 * a revived panel and the commands' panel are the same panel, with the same listeners. The panel is a strict
 * guest: it asks for data with `ready` and gets the shown result from the ResultStore (never recomputed), so
 * hide/show and reload need no retainContextWhenHidden. Everything the webview posts is validated by
 * panelProtocol.parseFromPanel.
 *
 * What is shown: the latest stored result (following store.onDidChange), or, while a generation streams,
 * the store's live stream (following store.onDidStream); the newer of the two wins. A result whose document
 * changed is kept and marked stale.
 */
import * as vscode from 'vscode';
import { resultToJson, type AnalysisResult } from '../../core/result';
import type { LiveStream, ResultStore, StoredResult } from '../resultStore';
import { decodePngDataUrl, pngExport, resultExport, type ExportFile } from './panelExport';
import { saveExport } from './panelSave';
import { buildPanelHtml } from './panelHtml';
import { PANEL_STATE_VERSION, parseFromPanel, toStreamToken, type ExportFormat, type ToPanel } from './panelProtocol';

export const PANEL_VIEW_TYPE = 'semanticFlow.panel';
/** workspaceState key of the last shown result, so the panel shows it again after a window reload. */
export const LAST_RESULT_KEY = 'semanticFlow.panel.lastResult';
/** Results larger than this (as JSON) are not kept across reloads. */
export const MAX_PERSISTED_JSON = 4 * 1024 * 1024;

interface PersistedResult {
  uri: string;
  documentVersion: number;
  offset: number;
  kind?: StoredResult['kind'];
  json: string;
}

interface Shown {
  stored: StoredResult;
  stale: boolean;
}

export class PanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelScope: vscode.Disposable[] = [];
  private readonly scope: vscode.Disposable[] = [];
  /** True between the webview's `ready` and its next unload (hidden or disposed). */
  private ready = false;
  private shown: Shown | undefined;
  private mode: 'result' | 'stream' = 'result';
  private pendingReveal: number | undefined;
  private readonly jsonSafe = new WeakMap<AnalysisResult, AnalysisResult>();
  private readonly selected = new vscode.EventEmitter<{ uri: string; tokenIndex: number }>();
  /** Fires when the user clicks a token in the panel or presses Enter on it. */
  readonly onDidSelectToken = this.selected.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: ResultStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.scope.push(
      this.selected,
      store.onDidChange((uri) => this.onStoreChange(uri)),
      store.onDidStream((e) => this.onStream(e.reset)),
    );
  }

  /** Creates the panel beside the editor, or reveals it; it shows store.latest() (or the running stream). */
  show(): void {
    const latest = this.store.latest();
    if (latest && this.mode === 'result') this.shown = { stored: latest, stale: false };
    if (this.panel) {
      this.panel.reveal(undefined, true); // keep the editor focused: its selection is what commands act on
      this.pushAll();
      return;
    }
    // Beside the editor that shows the result: when a walkthrough or another non-text editor is the active one,
    // "beside the active group" would be the result's own group, and the panel would cover it.
    const shownIn =
      latest && vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === latest.uri)?.viewColumn;
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'Semantic Flow',
      { viewColumn: shownIn ? shownIn + 1 : vscode.ViewColumn.Beside, preserveFocus: true },
      this.webviewOptions(),
    );
    this.attach(panel);
  }

  /** Highlights and scrolls to a token; switches the panel to that document's result if it shows another. */
  revealToken(uri: string, tokenIndex: number): void {
    if (!this.panel || !Number.isInteger(tokenIndex) || tokenIndex < 0 || this.mode === 'stream') return;
    if (this.shown?.stored.uri !== uri) {
      const stored = this.store.get(uri);
      if (!stored) return;
      this.shown = { stored, stale: false };
      this.pendingReveal = tokenIndex;
      this.pushAll();
    } else if (this.ready) {
      this.post({ kind: 'revealToken', tokenIndex });
    } else {
      this.pendingReveal = tokenIndex;
    }
  }

  /** Restores 'semanticFlow.panel' into this host after a window reload: it re-renders from the store or shows the last result, stale. */
  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => this.revive(panel),
    });
  }

  dispose(): void {
    this.panel?.dispose();
    this.detach();
    for (const d of this.scope.splice(0)) d.dispose();
  }

  private revive(panel: vscode.WebviewPanel): void {
    if (this.panel && this.panel !== panel) {
      this.log.info('Semantic Flow panel: one is already open; closing the restored duplicate.');
      panel.dispose();
      return;
    }
    const latest = this.store.latest();
    if (latest && !this.shown) this.shown = { stored: latest, stale: false };
    if (!this.shown) this.shown = this.restorePersisted();
    this.attach(panel);
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // Roots are folders (VS Code appends a separator): dist/webview holds only the panel's built assets.
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    const webview = panel.webview;
    webview.options = this.webviewOptions();
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    webview.html = buildPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
    });
    this.panelScope.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      // Without retainContextWhenHidden a hidden webview is unloaded; it sends `ready` again when shown.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.detach()),
    );
  }

  private detach(): void {
    for (const d of this.panelScope.splice(0)) d.dispose();
    this.panel = undefined;
    this.ready = false;
    this.pendingReveal = undefined;
  }

  private onStoreChange(uri: string): void {
    const stored = this.store.get(uri);
    if (stored) {
      if (this.store.latest()?.uri !== uri) return;
      this.shown = { stored, stale: false };
      this.persist(stored);
      this.mode = 'result';
    } else if (this.shown?.stored.uri === uri && !this.shown.stale) {
      this.shown = { ...this.shown, stale: true };
    } else {
      return;
    }
    this.pushAll();
  }

  /** A token joined the store's live stream: the panel switches to it, and gets the whole stream or the new token. */
  private onStream(reset: boolean): void {
    const stream = this.store.stream();
    if (!stream) return;
    const wasStreaming = this.mode === 'stream';
    this.mode = 'stream';
    if (!this.panel || !this.ready) return;
    if (reset || !wasStreaming) this.postStream(stream);
    else
      this.post({ kind: 'stream', uri: stream.uri, tokens: stream.tokens.slice(-1).map(toStreamToken), reset: false });
  }

  private postStream(stream: LiveStream): void {
    this.post({ kind: 'stream', uri: stream.uri, tokens: stream.tokens.map(toStreamToken), reset: true });
  }

  private onMessage(raw: unknown): void {
    const msg = parseFromPanel(raw);
    if (!msg) {
      this.log.warn(`Semantic Flow panel sent an unexpected message: ${String(JSON.stringify(raw)).slice(0, 200)}`);
      return;
    }
    switch (msg.kind) {
      case 'ready':
        if (msg.stateVersion !== PANEL_STATE_VERSION)
          this.log.info(`Semantic Flow panel: state version ${msg.stateVersion}, expected ${PANEL_STATE_VERSION}.`);
        this.ready = true;
        this.pushAll();
        return;
      case 'selectToken': {
        const s = this.shown;
        if (this.mode === 'result' && s && msg.tokenIndex < s.stored.result.tokens.length)
          this.selected.fire({ uri: s.stored.uri, tokenIndex: msg.tokenIndex });
        return;
      }
      case 'export':
        void this.exportResult(msg.format);
        return;
      case 'exportPng':
        void this.exportPng(msg.dataUrl);
        return;
      case 'runCommand':
        vscode.commands
          .executeCommand(msg.command)
          .then(undefined, (e: unknown) => this.log.error(`Semantic Flow panel: ${msg.command} failed`, e));
        return;
      default: {
        const unreachable: never = msg;
        return unreachable;
      }
    }
  }

  /** Sends the whole current view (after `ready`, or when what is shown changes). */
  private pushAll(): void {
    if (!this.panel || !this.ready) return;
    const stream = this.store.stream();
    if (this.mode === 'stream' && stream) {
      this.postStream(stream);
    } else if (this.shown) {
      const { stored, stale } = this.shown;
      const resultKey = `${stored.uri}@${stored.documentVersion}:${stored.result.createdAt ?? stored.result.tokens.length}`;
      this.post({
        kind: 'show',
        uri: stored.uri,
        resultKey,
        result: this.toJsonSafe(stored.result),
        stale,
        reveal: this.pendingReveal,
      });
      this.pendingReveal = undefined;
    } else {
      this.post({ kind: 'empty', reason: 'no-result' });
    }
  }

  /** Keeps the shown result in workspaceState (results above MAX_PERSISTED_JSON are not kept). */
  private persist(stored: StoredResult): void {
    const state = this.context.workspaceState;
    if (!state) return;
    const json = resultToJson(stored.result);
    const value: PersistedResult | undefined =
      json.length <= MAX_PERSISTED_JSON
        ? { uri: stored.uri, documentVersion: stored.documentVersion, offset: stored.offset, kind: stored.kind, json }
        : undefined;
    state
      .update(LAST_RESULT_KEY, value)
      .then(undefined, (e: unknown) =>
        this.log.warn(`Semantic Flow panel: could not keep the result for a reload: ${String(e)}`),
      );
  }

  /** The result shown before a window reload, marked stale (the document may have changed since). */
  private restorePersisted(): Shown | undefined {
    const p = this.context.workspaceState?.get<PersistedResult>(LAST_RESULT_KEY);
    if (!p || typeof p.json !== 'string' || typeof p.uri !== 'string') return undefined;
    try {
      const result = JSON.parse(p.json) as AnalysisResult;
      if (!Array.isArray(result.tokens) || typeof result.text !== 'string') return undefined;
      return {
        stored: { uri: p.uri, documentVersion: p.documentVersion, offset: p.offset, kind: p.kind, result },
        stale: true,
      };
    } catch {
      this.log.warn('Semantic Flow panel: the result kept from before the reload is unreadable; showing none.');
      return undefined;
    }
  }

  /** NaN/±Infinity become null, as in exported JSON (postMessage would otherwise mangle them differently). */
  private toJsonSafe(result: AnalysisResult): AnalysisResult {
    let safe = this.jsonSafe.get(result);
    if (!safe) {
      safe = JSON.parse(resultToJson(result)) as AnalysisResult;
      this.jsonSafe.set(result, safe);
    }
    return safe;
  }

  private post(msg: ToPanel): void {
    this.panel?.webview.postMessage(msg).then(
      (delivered) => delivered || this.log.debug(`Semantic Flow panel: '${msg.kind}' not delivered (panel hidden).`),
      (e: unknown) => this.log.error('Semantic Flow panel: postMessage failed', e),
    );
  }

  private async exportResult(format: ExportFormat): Promise<void> {
    const s = this.shown;
    if (this.mode !== 'result' || !s) {
      this.post({ kind: 'exported', what: format, ok: false, message: 'There is no finished result to export yet.' });
      return;
    }
    await this.save(resultExport(s.stored.result, format, s.stored.uri), format, s.stored.uri);
  }

  private async exportPng(dataUrl: string): Promise<void> {
    const decoded = decodePngDataUrl(dataUrl);
    const uri = (this.mode === 'stream' ? this.store.stream()?.uri : this.shown?.stored.uri) ?? 'semantic-flow';
    if ('error' in decoded) {
      this.log.warn(`Semantic Flow panel: PNG export refused: ${decoded.error}`);
      this.post({ kind: 'exported', what: 'png', ok: false, message: decoded.error });
      return;
    }
    await this.save(pngExport(uri, decoded.bytes), 'png', uri);
  }

  private async save(file: ExportFile, what: ExportFormat | 'png', sourceUri: string): Promise<void> {
    const outcome = await saveExport(file, sourceUri, this.log);
    if (outcome) this.post({ kind: 'exported', what, ...outcome });
  }
}
