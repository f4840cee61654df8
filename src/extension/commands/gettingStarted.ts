/** Analyze Sample and Open Settings: the commands the walkthrough's steps (and the palette) link to. */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { SemanticFlowError } from '../../core/errors';
import { SECTION } from '../config';
import type { Services } from '../services';
import { analyzeRegion } from './analyze';

/** A prompt, the `---` marker line, and a response: one text for Analyze, Directed Information and Flow. */
export const SAMPLE_PATH = 'media/walkthrough/sample-prompt.md';

/**
 * Opens the bundled sample as an untitled Markdown document (edits never touch the installed file, and live
 * mode can be tried on it) and analyses all of it. An open, unchanged copy is reused.
 */
export async function analyzeSample(s: Services): Promise<boolean> {
  const text = readFileSync(s.context.asAbsolutePath(SAMPLE_PATH), 'utf8');
  const open = vscode.workspace.textDocuments.find((d) => d.isUntitled && !d.isClosed && d.getText() === text);
  const doc = open ?? (await vscode.workspace.openTextDocument({ language: 'markdown', content: text }));
  const shownIn = vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn;
  await vscode.window.showTextDocument(doc, { preview: false, ...(shownIn ? { viewColumn: shownIn } : {}) });
  return analyzeRegion(s, doc, 0, doc.getText());
}

/** The Settings editor showing this extension's settings, or one of them (`key` without the section prefix). */
export async function openSettings(s: Services, key?: unknown): Promise<boolean> {
  if (key !== undefined && (typeof key !== 'string' || !/^[A-Za-z][\w.]*$/.test(key))) {
    throw new SemanticFlowError(
      'bad-argument',
      `Open Settings was given ${JSON.stringify(key)}, which is not a setting name.`,
    );
  }
  const query = key ? `${SECTION}.${key}` : `@ext:${s.context.extension.id}`;
  await vscode.commands.executeCommand('workbench.action.openSettings', query);
  return true;
}
