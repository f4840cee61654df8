/**
 * Export Result: the active document's result (or the latest) as JSON or CSV, through the same path as the
 * panel's export buttons (panelExport + panelSave): a name beside the source in the save dialog, which asks
 * before replacing a file, and a failed write shown in one line.
 */
import * as vscode from 'vscode';
import { resultExport } from '../panel/panelExport';
import type { ExportFormat } from '../panel/panelProtocol';
import { saveExport } from '../panel/panelSave';
import type { Services } from '../services';

const FORMATS: (vscode.QuickPickItem & { format: ExportFormat })[] = [
  { label: 'JSON', detail: "the whole result (as the CLI's --format json)", format: 'json' },
  { label: 'CSV', detail: "one row per token (as the CLI's --format csv)", format: 'csv' },
];

export async function exportResult(s: Services): Promise<boolean> {
  const active = vscode.window.activeTextEditor?.document.uri.toString();
  const stored = (active && s.store.get(active)) || s.store.latest();
  if (!stored) {
    s.errors.info('There is no result to export yet; run Semantic Flow: Analyze Selection first.');
    return false;
  }
  const pick = await vscode.window.showQuickPick(FORMATS, { title: 'Semantic Flow: Export Result as…' });
  if (!pick) return false;
  const outcome = await saveExport(resultExport(stored.result, pick.format, stored.uri), stored.uri, s.log);
  return outcome?.ok ?? false;
}
