/** Helpers the analysis commands share: guards, the size limit, and storing a result against its document. */
import * as vscode from 'vscode';
import { SemanticFlowError } from '../../core/errors';
import type { AnalysisResult } from '../../core/result';
import type { SourceRef } from '../../worker/protocol';
import type { StoredResult } from '../resultStore';
import type { Services } from '../services';

const utf8 = new TextEncoder();
let virtualCounter = 0;

/** A URI for a result that belongs to no document (generation, or text that is not the document's). */
export const virtualUri = (kind: string): string => `semantic-flow:/${kind}/${++virtualCounter}`;

/**
 * The active text editor; else, when focus is in a view that is not a text editor (the panel, the
 * walkthrough, Settings), the one text editor on screen. Undefined, after telling the user to open one,
 * when there is none or several.
 */
export function activeEditor(s: Services, what: string): vscode.TextEditor | undefined {
  const onScreen = vscode.window.visibleTextEditors.filter(
    (e) => e.document.uri.scheme === 'file' || e.document.uri.scheme === 'untitled',
  );
  const editor = vscode.window.activeTextEditor ?? (onScreen.length === 1 ? onScreen[0] : undefined);
  if (!editor) s.errors.info(`Open a text editor first, then run Semantic Flow: ${what}.`);
  return editor;
}

/**
 * Throws `too-large` when `text` exceeds semanticFlow.maxInputBytes, and `bad-input` when it holds a NUL
 * character (a binary file opened as text), as the CLI refuses NUL bytes. Runs before any engine work.
 */
export function checkSize(text: string, maxBytes: number): void {
  const bytes = utf8.encode(text).length;
  if (bytes > maxBytes) {
    throw new SemanticFlowError(
      'too-large',
      `The text is ${bytes} bytes, over the limit of ${maxBytes} bytes (setting semanticFlow.maxInputBytes). Select less text, or raise the limit.`,
    );
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    throw new SemanticFlowError(
      'bad-input',
      `The text looks like binary data (it contains a NUL character at offset ${nul}); only text can be analyzed.`,
    );
  }
}

export function sourceOf(doc: vscode.TextDocument, offset: number): SourceRef {
  return { uri: doc.uri.toString(), version: doc.version, offset };
}

/**
 * Stores a result for its document when the document is unchanged and the result's text is exactly
 * the document text at `offset`; otherwise under a virtual URI (shown in the panel, not decorated).
 */
export function storeResult(
  s: Services,
  o: {
    doc?: vscode.TextDocument;
    version?: number;
    offset: number;
    result: AnalysisResult;
    kind: StoredResult['kind'];
    virtualUri?: string;
  },
): StoredResult {
  const { doc, result } = o;
  // Closed while it was analysed: its result would outlive it and could paint a reopened document.
  if (doc?.isClosed)
    throw new SemanticFlowError('cancelled', `${doc.uri.toString()} was closed while it was being analysed.`);
  if (doc && o.version !== undefined && doc.version !== o.version) {
    throw new SemanticFlowError(
      'bad-input',
      `${doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString()} changed while it was being analysed; run the command again.`,
    );
  }
  const aligned =
    doc !== undefined &&
    doc.getText(new vscode.Range(doc.positionAt(o.offset), doc.positionAt(o.offset + result.text.length))) ===
      result.text;
  const stored: StoredResult = aligned
    ? { uri: doc.uri.toString(), documentVersion: doc.version, offset: o.offset, result, kind: o.kind }
    : { uri: o.virtualUri ?? virtualUri(o.kind ?? 'result'), documentVersion: 0, offset: 0, result, kind: o.kind };
  s.store.set(stored);
  return stored;
}

/** The editor's primary selection as document offsets and text; undefined (after a message) when empty. */
export function selectedText(
  s: Services,
  editor: vscode.TextEditor,
  command: string,
): { offset: number; text: string } | undefined {
  const sel = editor.selection;
  if (sel.isEmpty) {
    s.errors.info(`Select some text first, then run Semantic Flow: ${command}.`);
    return undefined;
  }
  return { offset: editor.document.offsetAt(sel.start), text: editor.document.getText(sel) };
}

/** The selection, or the whole document when nothing is selected; tells the user when it is only whitespace. */
export function selectionOrDocument(
  s: Services,
  editor: vscode.TextEditor,
  command: string,
): { offset: number; text: string } | undefined {
  const doc = editor.document;
  const range = editor.selection.isEmpty
    ? new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length))
    : editor.selection;
  const text = doc.getText(range);
  if (text.trim().length === 0) {
    s.errors.info(`Select some text first, then run Semantic Flow: ${command}.`);
    return undefined;
  }
  return { offset: doc.offsetAt(range.start), text };
}
