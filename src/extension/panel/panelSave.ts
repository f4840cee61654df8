/**
 * Saves an export (the panel's buttons and the Export Result command): a save dialog first, proposing a name
 * beside the source, then a write only to the path the user confirmed (the dialog itself asks before
 * replacing an existing file). Nothing is written when the dialog is cancelled; a failed write is shown in
 * one line and logged.
 */
import * as vscode from 'vscode';
import type { ExportFile } from './panelExport';

/** What the panel is told afterwards (and the command's success); undefined when the user cancelled. */
export interface SaveOutcome {
  ok: boolean;
  message: string;
}

export async function saveExport(
  file: ExportFile,
  sourceUri: string,
  log: vscode.LogOutputChannel,
): Promise<SaveOutcome | undefined> {
  const target = await vscode.window.showSaveDialog({
    defaultUri: defaultSaveUri(sourceUri, file.fileName),
    filters: file.filters,
    saveLabel: 'Export',
    title: 'Export Semantic Flow result',
  });
  if (!target) return undefined;
  const where = target.scheme === 'file' ? target.fsPath : target.toString(true);
  try {
    await vscode.workspace.fs.writeFile(target, file.bytes);
    log.info(`Semantic Flow: exported ${file.fileName} to ${where}`);
    return { ok: true, message: `Saved ${where}` };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    log.error(`Semantic Flow: export to ${where} failed`, e);
    void vscode.window.showErrorMessage(`Semantic Flow could not save ${where}: ${why}`);
    return { ok: false, message: `Could not save ${where}: ${why}` };
  }
}

/** Next to the analysed file when it is on disk, else in the first workspace folder, else the dialog's default. */
function defaultSaveUri(sourceUri: string, fileName: string): vscode.Uri | undefined {
  try {
    const doc = vscode.Uri.parse(sourceUri, true);
    if (doc.scheme === 'file') return vscode.Uri.joinPath(doc, '..', fileName);
  } catch {
    // not a URI: fall back to the workspace folder
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, fileName) : undefined;
}
