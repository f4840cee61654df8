/** Keeps stored results on their characters while documents are edited (editShift.ts), and drops them on close. */
import * as vscode from 'vscode';
import { shiftStored } from './editShift';
import type { ResultStore } from './resultStore';

export function trackEdits(store: ResultStore, onShifted: (doc: vscode.TextDocument) => void): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeTextDocument((e) => {
      const uri = e.document.uri.toString();
      const stored = store.get(uri);
      if (!stored || e.contentChanges.length === 0) return;
      const next = shiftStored(stored, e.contentChanges, e.document.version);
      if (next) store.update(next);
      else store.invalidate(uri);
      onShifted(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => store.invalidate(doc.uri.toString())),
  );
}
