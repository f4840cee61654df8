/**
 * Dialogue: Directed Information Both Ways: the active document as a chat transcript (JSON or JSON Lines
 * messages, or Markdown with `User:` / `Assistant:` turns), scored through the model's chat template. The
 * result's text is the templated transcript, not the document, so it is shown in the panel only.
 */
import { formatBits } from '../../core/units';
import { parseTranscript } from '../../core/transcript';
import { withEngineProgress } from '../cancellation';
import type { Services } from '../services';
import { activeEditor, checkSize, storeResult } from './shared';

export async function dialogue(s: Services): Promise<boolean> {
  const editor = activeEditor(s, 'Dialogue: Directed Information Both Ways');
  if (!editor) return false;
  const config = s.config();
  const text = editor.document.getText();
  checkSize(text, config.maxInputBytes);
  const messages = parseTranscript(text);
  const engine = await s.models.engineConfig(config);
  const result = await withEngineProgress('Semantic Flow: dialogue directed information', (signal, onProgress) =>
    s.engine.request('dialogue', { engine, messages, options: { topK: config.topK } }, { signal, onProgress }),
  );
  storeResult(s, { offset: 0, result, kind: 'dialogue' });
  const d = result.dialogue;
  if (d)
    s.log.info(
      `dialogue: I(X→Y) ${formatBits(d.userToAssistant.totalBits, 3)}, I(0Y→X) ${formatBits(d.assistantToUser.totalBits, 3)} over ${d.turns.length} turns; conservation gap ${d.conservation.gapBits.toExponential(2)} bits`,
    );
  s.panel.show();
  return true;
}
