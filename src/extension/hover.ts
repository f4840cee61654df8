/**
 * HoverProvider: looks the position up in the stored result (binary search over token spans) and
 * renders hoverText lazily, instead of a hoverMessage per decoration. Command links are trusted only
 * for the commands in HOVER_COMMANDS; HTML stays off.
 */
import * as vscode from 'vscode';
import { tokenAt } from '../core/spans';
import { analyzableRangeAt } from './analyzableRange';
import { HOVER_COMMANDS, analyzeThisText, hoverText } from './hoverText';
import type { ResultStore } from './resultStore';

function markdown(value: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(value);
  md.isTrusted = { enabledCommands: [...HOVER_COMMANDS] };
  md.supportHtml = false;
  return md;
}

export class ResultHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: ResultStore) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const uri = doc.uri.toString();
    const offset = doc.offsetAt(pos);
    const stored = this.store.get(uri);
    if (stored && stored.documentVersion === doc.version) {
      const rel = offset - stored.offset;
      if (rel >= 0 && rel < stored.result.text.length) {
        const i = tokenAt(stored.result.tokens, rel);
        if (i < 0) return undefined;
        const t = stored.result.tokens[i];
        const range = new vscode.Range(doc.positionAt(stored.offset + t.start), doc.positionAt(stored.offset + t.end));
        return new vscode.Hover(markdown(hoverText(stored.result, i, uri)), range);
      }
    }
    const target = analyzableRangeAt(doc.getText(), offset, doc.languageId);
    if (!target) return undefined;
    return new vscode.Hover(
      markdown(analyzeThisText(uri, target)),
      new vscode.Range(doc.positionAt(target.start), doc.positionAt(target.end)),
    );
  }
}
