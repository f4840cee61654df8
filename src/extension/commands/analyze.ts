/** Analyze Selection, Analyze Document, "Analyze this" (hover link) and the live-mode re-score. */
import * as vscode from 'vscode';
import { SemanticFlowError } from '../../core/errors';
import { withEngineProgress } from '../cancellation';
import type { Services } from '../services';
import { activeEditor, checkSize, selectedText, sourceOf, storeResult } from './shared';

/** Scores `text` at `offset` of `doc` under a cancellable progress notification and stores the result. */
export async function analyzeRegion(
  s: Services,
  doc: vscode.TextDocument,
  offset: number,
  text: string,
): Promise<boolean> {
  const config = s.config();
  if (text.trim().length === 0) {
    s.errors.info('There is only whitespace to analyze; select some text first.');
    return false;
  }
  checkSize(text, config.maxInputBytes);
  const engine = await s.models.engineConfig(config);
  const version = doc.version;
  s.liveMode.cancel(doc.uri.toString());
  const result = await withEngineProgress('Semantic Flow: analyzing', (signal, onProgress) =>
    s.engine.request(
      'analyze',
      { engine, text, source: sourceOf(doc, offset), options: { topK: config.topK, units: true, reusePrefix: true } },
      { signal, onProgress },
    ),
  );
  storeResult(s, { doc, version, offset, result, kind: 'analyze' });
  return true;
}

export async function analyzeSelection(s: Services): Promise<boolean> {
  const editor = activeEditor(s, 'Analyze Selection');
  const sel = editor && selectedText(s, editor, 'Analyze Selection');
  return !!editor && !!sel && analyzeRegion(s, editor.document, sel.offset, sel.text);
}

export async function analyzeDocument(s: Services): Promise<boolean> {
  const editor = activeEditor(s, 'Analyze Document');
  return !!editor && analyzeRegion(s, editor.document, 0, editor.document.getText());
}

/** Hover link: { uri, start, end } of an open document. */
export async function analyzeRange(
  s: Services,
  args?: { uri?: unknown; start?: unknown; end?: unknown },
): Promise<boolean> {
  const { uri, start, end } = args ?? {};
  if (
    typeof uri !== 'string' ||
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    (end as number) <= (start as number)
  ) {
    throw new SemanticFlowError('bad-argument', 'Semantic Flow: Analyze this needs a document range.');
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  if (!doc) throw new SemanticFlowError('bad-input', 'The document to analyze is no longer open.');
  const range = new vscode.Range(doc.positionAt(start as number), doc.positionAt(end as number));
  return analyzeRegion(s, doc, start as number, doc.getText(range));
}

/** Live mode: re-score a region quietly (no notification); errors go to the log and the status bar. */
export async function rescoreRegion(
  s: Services,
  doc: vscode.TextDocument,
  region: { offset: number; length: number },
  signal: AbortSignal,
): Promise<void> {
  const config = s.config();
  const text = doc.getText(
    new vscode.Range(doc.positionAt(region.offset), doc.positionAt(region.offset + region.length)),
  );
  if (text.trim().length === 0) return;
  try {
    checkSize(text, config.maxInputBytes);
    const engine = await s.models.engineConfig(config);
    const version = doc.version;
    const result = await s.engine.request(
      'analyze',
      {
        engine,
        text,
        source: sourceOf(doc, region.offset),
        options: { topK: config.topK, units: true, reusePrefix: true },
      },
      { signal },
    );
    if (doc.version !== version || signal.aborted) return; // a newer edit will re-score
    const reused = result.options?.reusedPrefixTokens ?? 0;
    s.log.info(
      `live mode: re-scored ${result.tokens.length - reused} of ${result.tokens.length} tokens${reused ? ' (the unchanged prefix came from the KV cache)' : ''}`,
    );
    storeResult(s, { doc, version, offset: region.offset, result, kind: 'analyze' });
  } catch (e) {
    if ((e as SemanticFlowError).code !== 'cancelled') s.log.warn(`live mode: ${(e as Error).message}`);
  }
}
