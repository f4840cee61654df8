/** Directed Information: Prompt → Response, from two selections or one split at the marker line. */
import { formatBits } from '../../core/units';
import * as vscode from 'vscode';
import { withEngineProgress } from '../cancellation';
import { diRangesFrom } from '../diRanges';
import type { Services } from '../services';
import { activeEditor, checkSize, sourceOf, storeResult } from './shared';

export async function directedInformation(s: Services): Promise<boolean> {
  const editor = activeEditor(s, 'Directed Information: Prompt → Response');
  if (!editor) return false;
  const doc = editor.document;
  const config = s.config();
  const selections = editor.selections.map((sel) => ({ start: doc.offsetAt(sel.start), end: doc.offsetAt(sel.end) }));
  const { prompt, response } = diRangesFrom(selections, doc.getText(), config.diMarker);
  const offset = prompt.start;
  const text = doc.getText(new vscode.Range(doc.positionAt(offset), doc.positionAt(response.end)));
  checkSize(text, config.maxInputBytes);
  const engine = await s.models.engineConfig(config);
  const version = doc.version;
  const result = await withEngineProgress('Semantic Flow: directed information', (signal, onProgress) =>
    s.engine.request(
      'di',
      {
        engine,
        text,
        prompt: { start: 0, end: prompt.end - offset },
        response: { start: response.start - offset, end: response.end - offset },
        source: sourceOf(doc, offset),
        options: { topK: config.topK },
      },
      { signal, onProgress },
    ),
  );
  storeResult(s, { doc, version, offset, result, kind: 'di' });
  const di = result.di;
  if (di) s.log.info(`directed information: ${formatBits(di.totalBits, 3)} over ${di.tokens.length} response tokens`);
  return true;
}
