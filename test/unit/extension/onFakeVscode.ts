/**
 * The fake vscode, created for this package and installed before any extension code loads. A test imports
 * this module first; the extension modules several tests use are loaded here, after the install, through
 * require so the CommonJS hook sees `vscode` (an import would be hoisted above the install). A test loads
 * the modules only it uses the same way, after importing this one.
 */
import { packageRoot } from '../../../src/engines/builtinModel';
import { createFakeVscode, installFakeVscode } from './fakeVscode';

export const root = packageRoot(__dirname);
export const { vscode, control } = createFakeVscode(root);
installFakeVscode(vscode);

export const { ModelSelection } =
  require('../../../src/extension/modelSelection') as typeof import('../../../src/extension/modelSelection');
export const { ResultStore } =
  require('../../../src/extension/resultStore') as typeof import('../../../src/extension/resultStore');
export const { UserErrors } =
  require('../../../src/extension/userErrors') as typeof import('../../../src/extension/userErrors');
export const { analyzeSample, openSettings, SAMPLE_PATH } =
  require('../../../src/extension/commands/gettingStarted') as typeof import('../../../src/extension/commands/gettingStarted');
export const { ContextKey, ContextKeys } =
  require('../../../src/extension/contextKeys') as typeof import('../../../src/extension/contextKeys');
