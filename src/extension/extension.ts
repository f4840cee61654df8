/**
 * activate/deactivate only: build the services, register commands and providers, push every disposable.
 * Nothing here loads a model or starts the worker; the first analysis does.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { BuiltinModelNotice } from './builtinModelNotice';
import { rescoreRegion } from './commands/analyze';
import { selectTokenInEditor } from './commands/engineCommands';
import { readConfig, type Config } from './config';
import { ContextKeys } from './contextKeys';
import { DecorationRenderer } from './decorations';
import { E2eStatus } from './e2eStatus';
import { trackEdits } from './editTracking';
import { Engine } from './engine';
import { ResultHoverProvider } from './hover';
import { LiveMode } from './liveMode';
import { ModelSelection } from './modelSelection';
import { PanelHost } from './panel/panelHost';
import { ResultStore } from './resultStore';
import type { Services } from './services';
import { StatusBar } from './statusBar';
import { UserErrors } from './userErrors';

// The one module-level reference: deactivate() must return the worker's shutdown.
let engine: Engine | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Semantic Flow', { log: true });
  const store = new ResultStore();
  const engineScope = new Engine(context.asAbsolutePath('dist/worker.js'), log);
  engine = engineScope;
  const errors = new UserErrors(log);
  const models = new ModelSelection(context);
  let reported = '';
  const config = (): Config => {
    const { config: c, problems } = readConfig();
    const key = problems.join('\n');
    if (key && key !== reported) for (const p of problems) log.warn(p);
    reported = key;
    return c;
  };
  const decorations = new DecorationRenderer(store, config);
  const e2e = new E2eStatus(process.env.SEMANTIC_FLOW_E2E_STATUS, { store, decorations, engine: engineScope, errors });
  const liveMode = new LiveMode(
    store,
    () => config().liveMode,
    async (doc, region, signal) => {
      await rescoreRegion(services, doc, region, signal);
      e2e.write('liveMode.rescore', true);
    },
  );
  const panel = new PanelHost(context, store, log);
  const services: Services = { context, store, engine: engineScope, log, errors, models, config, liveMode, panel };
  const notice = new BuiltinModelNotice(context.globalState, models, config);
  context.subscriptions.push(
    log,
    store,
    engineScope,
    models,
    liveMode,
    decorations,
    new ContextKeys(store, models, engineScope, config),
    store.onDidChange((uri) => {
      const stored = store.get(uri);
      if (stored) notice.onResult(stored);
    }),
    new StatusBar(engineScope, store, models, config),
    ...registerCommands(services, e2e),
    vscode.languages.registerHoverProvider(
      [{ scheme: 'file' }, { scheme: 'untitled' }],
      new ResultHoverProvider(store),
    ),
    trackEdits(store, (doc) => liveMode.onEdited(doc)),
    panel,
    panel.registerSerializer(),
    panel.onDidSelectToken((e) => void selectTokenInEditor(services, e)),
  );
}

/** Returns the worker's shutdown, so VS Code waits for it. */
export function deactivate(): Promise<void> | undefined {
  const e = engine;
  engine = undefined;
  return e?.shutdown();
}
