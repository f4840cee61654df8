/** The status bar item: engine health and model, the device actually used, and bits of the selection. */
import * as vscode from 'vscode';
import { bitsInRange } from '../core/summary';
import type { Config } from './config';
import type { DecorationRenderer } from './decorations';
import type { Engine } from './engine';
import type { ModelSelection } from './modelSelection';
import type { ResultStore } from './resultStore';
import { STATUS_COMMANDS, statusView, type SelectionBits } from './statusBarText';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('semanticFlow.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly engine: Engine,
    private readonly store: ResultStore,
    private readonly selection: ModelSelection,
    private readonly decorations: DecorationRenderer,
    private readonly config: () => Config,
  ) {
    this.item.name = 'Semantic Flow';
    this.subscriptions = [
      engine.onDidChangeStatus(() => this.update()),
      store.onDidChange(() => this.update()),
      selection.onDidChange(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.onDidChangeTextEditorSelection((e) => { if (e.textEditor === vscode.window.activeTextEditor) this.update(); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('semanticFlow')) this.update(); }),
    ];
    this.update();
    this.item.show();
  }

  /** Bits of the active editor's selection (or of the whole result when nothing is selected). */
  selectionBits(): SelectionBits | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const stored = this.store.get(editor.document.uri.toString());
    if (!stored || stored.documentVersion !== editor.document.version) return undefined;
    const sel = editor.selection;
    if (sel.isEmpty) return { bits: stored.result.summary.totalBits, tokens: stored.result.summary.scoredTokens, whole: true };
    const doc = editor.document;
    const r = bitsInRange(stored.result.tokens, doc.offsetAt(sel.start) - stored.offset, doc.offsetAt(sel.end) - stored.offset);
    return { ...r, whole: false };
  }

  update(): void {
    const config = this.config();
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    const view = statusView({
      status: this.engine.status,
      model: this.engine.model,
      chosenLabel: this.selection.label(config),
      selection: this.selectionBits(),
      liveMode: config.liveMode,
      note: uri ? this.decorations.drawnFor(uri)?.note : undefined,
    });
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = { enabledCommands: [...STATUS_COMMANDS] };
    this.item.tooltip = tooltip;
    this.item.command = view.command;
    this.item.backgroundColor = view.isError ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}
