/**
 * Select Model and Connect to Server. The engine reloads on the next request (the config key changed).
 * A catalog model that is not on disk is downloaded first, by the engine process (the `download`
 * request, the only one that touches the network for a local model), into the extension's global
 * storage, under a progress notification with Cancel; then it is loaded, and selected once it loads.
 */
import * as vscode from 'vscode';
import { SemanticFlowError, isSemanticFlowError } from '../../core/errors';
import { BUILTIN_MODEL_NAME } from '../../engines/builtinModel';
import { CATALOG, entryFor, findCatalogEntry } from '../../engines/catalog/catalog';
import { formatBytes } from '../../core/units';
import type { Progress } from '../../worker/protocol';
import { downloadMessage, downloadPercent, toAbortSignal } from '../cancellation';
import type { ModelChoice } from '../modelChoice';
import type { Services } from '../services';

/**
 * The quick pick; or, with a catalog model's Hub id as argument (the status bar tooltip's and the
 * walkthrough's "Download …" links, the first-run notice), that model without asking.
 */
export async function selectModel(s: Services, id?: unknown): Promise<boolean> {
  const config = s.config();
  const choice =
    id === undefined
      ? await s.models.pick(config, 'Semantic Flow: Select Model', { offerDownloads: true })
      : catalogChoice(id);
  if (!choice) return false;
  if (choice.kind === 'hub' && s.models.needsDownload(choice.id, config)) return downloadAndSelect(s, choice.id);
  await s.models.setPick(choice);
  s.log.info(`model selected: ${s.models.label(s.config())}`);
  return true;
}

/** Only catalog models can be chosen through an argument: a link never names an arbitrary download. */
function catalogChoice(id: unknown): ModelChoice {
  const entry = typeof id === 'string' ? findCatalogEntry(id) : undefined;
  if (!entry)
    throw new SemanticFlowError(
      'bad-argument',
      `Select Model was given ${JSON.stringify(id)}, which is not a catalog model (${CATALOG.map((e) => e.id).join(', ')}).`,
    );
  return { kind: 'hub', id: entry.id };
}

/**
 * Downloads catalog model `id` (the dtype Select Model shows) into the models folder, loads it and
 * selects it. Cancel keeps the partial files for a resume; offline, the user is told so and offered the
 * built-in model. Returns true when the model was selected.
 */
export async function downloadAndSelect(s: Services, id: string): Promise<boolean> {
  const config = s.config();
  const entry = entryFor(id);
  const dtype = s.models.downloadDtype(entry, config);
  if (!dtype) {
    throw new SemanticFlowError(
      'bad-argument',
      `${entry.label} (${entry.id}) has no ${config.dtype} export; set semanticFlow.dtype to ${Object.keys(entry.dtypes).join(' or ')}, or remove the setting.`,
    );
  }
  const destRoot = s.models.modelsRoot();
  const choice: ModelChoice = { kind: 'hub', id: entry.id };
  let downloaded: { bytes: number; dir: string } | undefined;
  s.log.info(`downloading ${entry.id} (${dtype}) into ${destRoot}`);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${entry.label}`, cancellable: true },
      async (progress, token) => {
        const signal = toAbortSignal(token);
        let pct = 0;
        const onProgress = (p: Progress): void => {
          if (p.stage !== 'download') return;
          const now = downloadPercent(p) ?? pct;
          progress.report({ message: downloadMessage(p), increment: Math.max(0, now - pct) });
          pct = Math.max(pct, now);
        };
        // VS Code's proxy setting, from the user's settings only (a workspace must not route downloads through a
        // proxy of its choosing); without it the engine uses HTTPS_PROXY / HTTP_PROXY / NO_PROXY from its environment.
        const proxy = vscode.workspace.getConfiguration('http').inspect<string>('proxy')?.globalValue?.trim();
        downloaded = await s.engine.request(
          'download',
          { hubId: entry.id, dtype, destRoot, ...(proxy ? { proxy } : {}) },
          { signal, onProgress },
        );
        s.log.info(`downloaded ${entry.id} (${dtype}, ${downloaded.bytes} bytes) into ${downloaded.dir}`);
        progress.report({ message: `Loading ${entry.label}…` });
        await s.engine.request('load', { engine: await s.models.engineConfig(s.config(), choice) }, { signal });
      },
    );
  } catch (e) {
    if (isSemanticFlowError(e) && e.code === 'cancelled') {
      s.errors.info(
        downloaded
          ? `${entry.label} is downloaded, but loading it was cancelled; choose it again in Select Model to use it.`
          : `The download of ${entry.label} was cancelled; its partial files are kept, and choosing it again resumes the download.`,
      );
      return false;
    }
    if (isSemanticFlowError(e) && e.code === 'server-unreachable') {
      offline(s, e.message, entry.id);
      return false;
    }
    throw e;
  }
  await s.models.setPick(choice);
  s.log.info(`model selected: ${s.models.label(s.config())}`);
  void vscode.window.showInformationMessage(
    `${entry.label} is downloaded${downloaded ? ` (${formatBytes(downloaded.bytes)})` : ''} and selected.`,
  );
  return true;
}

/** The offline message from the download, with Retry and the built-in model (which needs no network). */
function offline(s: Services, message: string, id: string): void {
  s.log.warn(`select model: [server-unreachable] ${message}`);
  s.errors.shown.push(message);
  const useBuiltin = `Use ${BUILTIN_MODEL_NAME}`;
  void Promise.resolve(vscode.window.showErrorMessage(message, 'Retry', useBuiltin)).then(async (picked) => {
    if (picked === 'Retry') await downloadAndSelect(s, id).catch((e) => s.errors.show(e, 'semanticFlow.selectModel'));
    else if (picked === useBuiltin) await s.models.setPick({ kind: 'builtin' });
  });
}

/** Asks for the endpoint, the served model name and an optional API key (kept in SecretStorage). */
export async function connectServer(s: Services): Promise<boolean> {
  const config = s.config();
  const endpoint = await vscode.window.showInputBox({
    title: 'Semantic Flow: Connect to Server (1/3)',
    prompt: 'Base URL of a vLLM-compatible server',
    value: config.remoteEndpoint || 'http://127.0.0.1:8000',
    ignoreFocusOut: true,
    validateInput: (v) =>
      /^https?:\/\/\S+$/i.test(v.trim()) ? undefined : 'Enter an http(s) URL, e.g. http://127.0.0.1:8000',
  });
  if (endpoint === undefined) return false;
  const model = await vscode.window.showInputBox({
    title: 'Semantic Flow: Connect to Server (2/3)',
    prompt: 'Served model name (leave empty to use the first model the server lists)',
    value: config.remoteModel,
    ignoreFocusOut: true,
  });
  if (model === undefined) return false;
  const key = await vscode.window.showInputBox({
    title: 'Semantic Flow: Connect to Server (3/3)',
    prompt: 'API key (optional; stored in VS Code secret storage, never in settings). Leave empty for none.',
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return false;
  const url = endpoint.trim().replace(/\/+$/, '');
  const cfg = vscode.workspace.getConfiguration('semanticFlow');
  await cfg.update('remote.endpoint', url, vscode.ConfigurationTarget.Global);
  await cfg.update('remote.model', model.trim(), vscode.ConfigurationTarget.Global);
  await s.models.setApiKey(url, key.trim() || undefined);
  await s.models.setPick({ kind: 'remote' });
  s.log.info(
    `remote server set: ${url} (${model.trim() || 'first listed model'}), API key ${key.trim() ? 'stored' : 'none'}`,
  );
  return true;
}
