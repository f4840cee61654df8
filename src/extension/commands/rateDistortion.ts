/**
 * Quantisation Rate–Distortion: every ONNX variant of the chosen model's folder against its fp32 model on
 * the selection (or the document). The result is the document's text, so the panel's worst tokens select
 * their text in the editor.
 */
import { withEngineProgress } from '../cancellation';
import type { Services } from '../services';
import { activeEditor, checkSize, selectionOrDocument, sourceOf, storeResult } from './shared';

export async function rateDistortion(s: Services): Promise<boolean> {
  const editor = activeEditor(s, 'Quantisation Rate–Distortion');
  if (!editor) return false;
  const doc = editor.document;
  const region = selectionOrDocument(s, editor, 'Quantisation Rate–Distortion');
  if (!region) return false;
  const { offset, text } = region;
  const config = s.config();
  checkSize(text, config.maxInputBytes);
  const engine = await s.models.engineConfig(config);
  const version = doc.version;
  const result = await withEngineProgress('Semantic Flow: quantisation rate–distortion', (signal, onProgress) =>
    s.engine.request(
      'rateDistortion',
      { engine, text, source: sourceOf(doc, offset), options: { topK: config.topK } },
      { signal, onProgress },
    ),
  );
  storeResult(s, { doc, version, offset, result, kind: 'rateDistortion' });
  const points = result.rateDistortion?.points ?? [];
  s.log.info(
    `rate–distortion: ${points.map((p) => `${p.variant} ${p.bitsPerWeight.toFixed(2)} bits/weight, KL ${p.meanKlBits.toFixed(4)} bits/token`).join('; ')}`,
  );
  s.panel.show();
  return true;
}
