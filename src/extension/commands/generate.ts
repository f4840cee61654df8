/** Generate from Prompt: streams generated tokens into the store (the panel shows them) and stores the result (not in any document). */
import * as vscode from 'vscode';
import { withEngineProgress } from '../cancellation';
import type { Services } from '../services';
import { checkSize, storeResult, virtualUri } from './shared';

export async function generateFromPrompt(s: Services): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
  const prompt =
    selected ??
    (await vscode.window.showInputBox({
      title: 'Semantic Flow: Generate from Prompt',
      prompt: 'Prompt (or select text in an editor first)',
      ignoreFocusOut: true,
    }));
  if (prompt === undefined) return false;
  if (prompt.trim().length === 0) {
    s.errors.info('Select a prompt first (or type one), then run Semantic Flow: Generate from Prompt.');
    return false;
  }
  const config = s.config();
  checkSize(prompt, config.maxInputBytes);
  const engine = await s.models.engineConfig(config);
  const streamUri = virtualUri('generation');
  s.panel.show();
  const result = await withEngineProgress('Semantic Flow: generating', (signal, onProgress) =>
    s.engine.request(
      'generate',
      { engine, prompt, options: { topK: config.topK, maxTokens: config.generateMaxTokens } },
      {
        signal,
        onProgress: (p) => (p.stage === 'token' ? s.store.streamToken(streamUri, p.token) : onProgress(p)),
      },
    ),
  );
  const stored = storeResult(s, { offset: 0, result, kind: 'generate', virtualUri: streamUri });
  const g = result.generation;
  if (g) s.log.info(`generated ${g.tokens.length} tokens (${g.stopReason ?? 'done'}) into ${stored.uri}`);
  return true;
}
