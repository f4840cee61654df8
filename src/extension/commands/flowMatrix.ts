/** Token Flow Matrix: occlusion flow over the selection (or the document), at a granularity the user picks. */
import * as vscode from 'vscode';
import { withEngineProgress } from '../cancellation';
import type { Services } from '../services';
import { activeEditor, checkSize, selectionOrDocument, sourceOf, storeResult } from './shared';

type Unit = 'token' | 'word' | 'line' | 'sentence';
const UNITS: { label: Unit; detail: string }[] = [
  { label: 'word', detail: 'flow from each word (fewer passes)' },
  { label: 'token', detail: 'flow from each token (one pass per token: slow on long text)' },
  { label: 'line', detail: 'flow from each line' },
  { label: 'sentence', detail: 'flow from each sentence' },
];

export async function flowMatrix(s: Services): Promise<boolean> {
  const editor = activeEditor(s, 'Token Flow Matrix');
  if (!editor) return false;
  const doc = editor.document;
  const region = selectionOrDocument(s, editor, 'Token Flow Matrix');
  if (!region) return false;
  const { offset, text } = region;
  const config = s.config();
  checkSize(text, Math.min(config.maxInputBytes, 64 * 1024));
  const unit = await vscode.window.showQuickPick(UNITS, { title: 'Semantic Flow: flow from which units?' });
  if (!unit) return false;
  const engine = await s.models.engineConfig(config);
  const version = doc.version;
  const result = await withEngineProgress('Semantic Flow: token flow matrix', (signal, onProgress) =>
    s.engine.request(
      'flow',
      { engine, text, source: sourceOf(doc, offset), options: { topK: config.topK, unit: unit.label } },
      { signal, onProgress },
    ),
  );
  storeResult(s, { doc, version, offset, result, kind: 'flow' });
  s.panel.show();
  return true;
}
