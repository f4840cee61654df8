/** Compare Models: the chosen model against a second one on the selection (or the document). */
import { withEngineProgress } from '../cancellation';
import type { Services } from '../services';
import { activeEditor, checkSize, selectionOrDocument, sourceOf, storeResult } from './shared';

export async function compareModels(s: Services): Promise<boolean> {
  const editor = activeEditor(s, 'Compare Models');
  if (!editor) return false;
  const doc = editor.document;
  const region = selectionOrDocument(s, editor, 'Compare Models');
  if (!region) return false;
  const { offset, text } = region;
  const config = s.config();
  checkSize(text, config.maxInputBytes);
  const other = await s.models.pick(config, `Compare ${s.models.label(config)} with…`);
  if (!other) return false;
  const engine = await s.models.engineConfig(config);
  const engineB = await s.models.engineConfig(config, other);
  const version = doc.version;
  const result = await withEngineProgress('Semantic Flow: comparing models', (signal, onProgress) =>
    s.engine.request(
      'compare',
      { engine, engineB, text, source: sourceOf(doc, offset), options: { topK: config.topK } },
      { signal, onProgress },
    ),
  );
  storeResult(s, { doc, version, offset, result, kind: 'compare' });
  s.panel.show();
  return true;
}
