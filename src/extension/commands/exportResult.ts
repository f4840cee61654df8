/** Export Result: the active document's result (or the latest) as JSON or CSV; never overwrites silently. */
import * as vscode from 'vscode';
import { toCsv, toJson } from '../../cli/output';
import type { Services } from '../services';

export async function exportResult(s: Services): Promise<boolean> {
  const active = vscode.window.activeTextEditor?.document.uri.toString();
  const stored = (active && s.store.get(active)) || s.store.latest();
  if (!stored) {
    s.errors.info('There is no result to export yet; run Semantic Flow: Analyze Selection first.');
    return false;
  }
  const base = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'Semantic Flow: Export Result',
    saveLabel: 'Export',
    filters: { JSON: ['json'], CSV: ['csv'] },
    ...(base ? { defaultUri: vscode.Uri.joinPath(base, 'semantic-flow-result.json') } : {}),
  });
  if (!target) return false;
  if (await exists(target)) {
    const replace = await vscode.window.showWarningMessage(`${target.fsPath || target.toString()} already exists. Replace it?`, { modal: true }, 'Replace');
    if (replace !== 'Replace') return false;
  }
  const csv = /\.csv$/i.test(target.path);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(csv ? toCsv(stored.result) : toJson(stored.result)));
  s.log.info(`exported ${stored.result.tokens.length} tokens as ${csv ? 'CSV' : 'JSON'} to ${target.toString()}`);
  return true;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
