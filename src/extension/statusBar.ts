/**
 * The status bar item: engine health and model, the device actually used, bits of the selection, and why
 * the chosen metric is not drawn as asked. Computed from the store and the pure models, never from another view.
 */
import * as vscode from 'vscode';
import { bitsInRange } from '../core/summary';
import { suggestedModel } from '../engines/catalog/suggestedModel';
import type { Config } from './config';
import { metricNote } from './decorationModel';
import type { Engine } from './engine';
import type { ModelSelection } from './modelSelection';
import { builtinTooltipLine } from './modelSuggestion';
import { selectionInResult, type ResultStore, type StoredResult } from './resultStore';
import { STATUS_COMMANDS, statusView, type SelectionBits } from './statusBarText';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'semanticFlow.status',
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly engine: Engine,
    private readonly store: ResultStore,
    private readonly selection: ModelSelection,
    private readonly config: () => Config,
  ) {
    this.item.name = 'Semantic Flow';
    this.subscriptions = [
      engine.onDidChangeStatus(() => this.update()),
      store.onDidChange(() => this.update()),
      selection.onDidChange(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === vscode.window.activeTextEditor) this.update();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('semanticFlow')) this.update();
      }),
    ];
    this.update();
    this.item.show();
  }

  /** The active editor's result, when it still matches the document. */
  private activeResult(): { editor: vscode.TextEditor; stored: StoredResult } | undefined {
    const editor = vscode.window.activeTextEditor;
    const stored = editor && this.store.get(editor.document.uri.toString());
    return editor && stored && stored.documentVersion === editor.document.version ? { editor, stored } : undefined;
  }

  /** Bits of the selection (or of the whole result when nothing is selected). */
  private selectionBits(editor: vscode.TextEditor, stored: StoredResult): SelectionBits {
    if (editor.selection.isEmpty)
      return { bits: stored.result.summary.totalBits, tokens: stored.result.summary.scoredTokens, whole: true };
    const sel = selectionInResult(editor, stored);
    return { ...bitsInRange(stored.result.tokens, sel.start, sel.end), whole: false };
  }

  /** The suggested download, while the built-in model is the one chosen. */
  private builtinHint(config: Config): string | undefined {
    if (this.selection.current(config).kind !== 'builtin') return undefined;
    const entry = suggestedModel();
    return builtinTooltipLine(entry, this.selection.downloadDtype(entry, config));
  }

  update(): void {
    const config = this.config();
    const active = this.activeResult();
    const view = statusView({
      status: this.engine.status,
      model: this.engine.model,
      chosenLabel: this.selection.label(config),
      selection: active && this.selectionBits(active.editor, active.stored),
      liveMode: config.liveMode,
      note: active && metricNote(active.stored.result, config.metric, selectionInResult(active.editor, active.stored)),
      builtinHint: this.builtinHint(config),
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
