/**
 * After the first analysis with the built-in model in a session, one unobtrusive notification says that it
 * is a tiny offline model and offers the suggested download. Either answer (download, or "Don't Show
 * Again") is kept in globalState and ends the notice for good; closing it only ends it for this session.
 */
import * as vscode from 'vscode';
import { BUILTIN_MODEL_NAME } from '../engines/builtinModel';
import { suggestedModel } from '../engines/catalog/suggestedModel';
import { CommandId } from './commandIds';
import type { Config } from './config';
import type { ModelSelection } from './modelSelection';
import { builtinNotice } from './modelSuggestion';
import type { StoredResult } from './resultStore';

export const BUILTIN_NOTICE_KEY = 'semanticFlow.builtinModelNotice';
export type BuiltinNoticeAnswer = 'dismissed' | 'downloaded';

export class BuiltinModelNotice {
  private shownThisSession = false;

  constructor(
    private readonly globalState: vscode.Memento,
    private readonly models: ModelSelection,
    private readonly config: () => Config,
  ) {}

  get answer(): BuiltinNoticeAnswer | undefined {
    return this.globalState.get<BuiltinNoticeAnswer>(BUILTIN_NOTICE_KEY);
  }

  /** Called for every stored result; shows the notice for the first one the built-in model made. */
  onResult(stored: StoredResult): void {
    if (this.shownThisSession || this.answer) return;
    const config = this.config();
    if (this.models.current(config).kind !== 'builtin' || stored.result.model.id !== BUILTIN_MODEL_NAME) return;
    this.shownThisSession = true;
    const entry = suggestedModel();
    const notice = builtinNotice(entry, this.models.downloadDtype(entry, config));
    void Promise.resolve(vscode.window.showInformationMessage(notice.message, notice.download, notice.dismiss)).then(
      async (picked) => {
        if (picked === notice.dismiss)
          await this.globalState.update(BUILTIN_NOTICE_KEY, 'dismissed' satisfies BuiltinNoticeAnswer);
        else if (picked === notice.download) {
          await this.globalState.update(BUILTIN_NOTICE_KEY, 'downloaded' satisfies BuiltinNoticeAnswer);
          await vscode.commands.executeCommand(CommandId.selectModel, entry.id);
        }
      },
    );
  }
}
