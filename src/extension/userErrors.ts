/** Shows an error the way errorActions.ts says: one message, one action button, the stack in the log. */
import * as vscode from 'vscode';
import { isSemanticFlowError } from '../core/errors';
import { CommandId } from './commandIds';
import { userFacingError, type ErrorAction } from './errorActions';

const ACTION_COMMAND: Record<ErrorAction, string> = {
  'Select Model': CommandId.selectModel,
  'Open Settings': 'workbench.action.openSettings',
  'Show Log': CommandId.showLog,
  'Restart Engine': CommandId.restartEngine,
  'Connect to Server': CommandId.connectServer,
};

export class UserErrors {
  /** Messages shown so far (newest last), for the e2e status file. */
  readonly shown: string[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Reports `e` to the user unless it is a cancellation; returns the message shown, if any. */
  show(e: unknown, context: string): string | undefined {
    const code = isSemanticFlowError(e) ? e.code : 'internal';
    const message = e instanceof Error ? e.message : String(e);
    const ui = userFacingError(code, message);
    if (!ui) {
      this.log.debug(`${context}: cancelled`);
      return undefined;
    }
    if (code === 'internal') this.log.error(`${context}: ${e instanceof Error && e.stack ? e.stack : message}`);
    else this.log.warn(`${context}: [${code}] ${message}`);
    this.remember(ui.message);
    const show = ui.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    const buttons = ui.action ? [ui.action] : [];
    void show(ui.message, ...buttons).then((picked) => {
      if (!picked || !ui.action) return;
      const args = ui.action === 'Open Settings' ? [ui.settingsQuery ?? 'semanticFlow'] : [];
      void vscode.commands.executeCommand(ACTION_COMMAND[ui.action], ...args);
    });
    return ui.message;
  }

  /** An information message (a guard such as "select some text first"), recorded like errors. */
  info(message: string): void {
    this.remember(message);
    void vscode.window.showInformationMessage(message);
  }

  private remember(message: string): void {
    this.shown.push(message);
    if (this.shown.length > 20) this.shown.shift();
  }
}
