/** Small commands: Show Panel, Clear Decorations, Restart Engine, Toggle Live Mode, Show Log, Reveal Token. */
import * as vscode from 'vscode';
import { SemanticFlowError } from '../../core/errors';
import type { Services } from '../services';

export function showPanel(s: Services): boolean {
  s.panel.show();
  return true;
}

/** Clears every stored result; the decorations follow because they render from the store. */
export function clearDecorations(s: Services): boolean {
  s.liveMode.cancelAll();
  s.store.clear();
  return true;
}

export async function restartEngine(s: Services): Promise<boolean> {
  s.liveMode.cancelAll();
  await s.engine.restart();
  s.log.info('engine restarted; the model loads again on the next analysis');
  return true;
}

export async function toggleLiveMode(s: Services): Promise<boolean> {
  const next = !s.config().liveMode;
  const cfg = vscode.workspace.getConfiguration('semanticFlow');
  // A workspace value would override a user-level toggle, so change the layer that is in effect.
  const target =
    cfg.inspect('liveMode')?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await cfg.update('liveMode', next, target);
  if (!next) s.liveMode.cancelAll();
  void vscode.window.setStatusBarMessage(`Semantic Flow live mode ${next ? 'on' : 'off'}`, 2500);
  return true;
}

export function showLog(s: Services): boolean {
  s.log.show(true);
  return true;
}

/** Hover link: { uri, tokenIndex }. */
export function revealToken(s: Services, args?: { uri?: unknown; tokenIndex?: unknown }): boolean {
  if (typeof args?.uri !== 'string' || !Number.isInteger(args.tokenIndex)) {
    throw new SemanticFlowError('bad-argument', 'Reveal in panel needs a document and a token index.');
  }
  const panel = s.panel;
  panel.show();
  panel.revealToken(args.uri, args.tokenIndex as number);
  return true;
}

/** The panel's token click: select that token in its editor. */
export async function selectTokenInEditor(s: Services, e: { uri: string; tokenIndex: number }): Promise<void> {
  const stored = s.store.get(e.uri);
  const t = stored?.result.tokens.find((x) => x.index === e.tokenIndex);
  if (!stored || !t || stored.uri.startsWith('semantic-flow:')) return;
  const doc =
    vscode.workspace.textDocuments.find((d) => d.uri.toString() === e.uri) ??
    (await vscode.workspace.openTextDocument(vscode.Uri.parse(e.uri)));
  if (doc.version !== stored.documentVersion) return;
  // In the group that already shows it (else the first), keeping focus in the panel: without a column
  // VS Code opens the document in the active group, which is the panel's, and covers the panel.
  const shown = vscode.window.visibleTextEditors.find((ed) => ed.document.uri.toString() === e.uri);
  const editor = await vscode.window.showTextDocument(doc, {
    viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One,
    preserveFocus: true,
    preview: false,
  });
  const range = new vscode.Range(doc.positionAt(stored.offset + t.start), doc.positionAt(stored.offset + t.end));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
