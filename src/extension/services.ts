/** What commands need, built once in activate(). Views are not here: commands only write to the store. */
import type * as vscode from 'vscode';
import type { Config } from './config';
import type { Engine } from './engine';
import type { LiveMode } from './liveMode';
import type { ModelSelection } from './modelSelection';
import type { PanelHost } from './panel/panelHost';
import type { ResultStore } from './resultStore';
import type { UserErrors } from './userErrors';

export interface Services {
  context: vscode.ExtensionContext;
  store: ResultStore;
  engine: Engine;
  log: vscode.LogOutputChannel;
  errors: UserErrors;
  models: ModelSelection;
  liveMode: LiveMode;
  /** The one panel (built in activate, also the serializer's). Commands may show it and point at a token; what it shows comes from the store. */
  panel: Pick<PanelHost, 'show' | 'revealToken'>;
  /** Current settings (invalid values already replaced and logged). */
  config(): Config;
}
