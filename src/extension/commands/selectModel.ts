/** Select Model and Connect to Server. The engine reloads on the next request (the config key changed). */
import * as vscode from 'vscode';
import type { Services } from '../services';

export async function selectModel(s: Services): Promise<boolean> {
  const choice = await s.models.pick(s.config(), 'Semantic Flow: Select Model');
  if (!choice) return false;
  await s.models.setPick(choice);
  s.log.info(`model selected: ${s.models.label(s.config())}`);
  return true;
}

/** Asks for the endpoint, the served model name and an optional API key (kept in SecretStorage). */
export async function connectServer(s: Services): Promise<boolean> {
  const config = s.config();
  const endpoint = await vscode.window.showInputBox({
    title: 'Semantic Flow: Connect to Server (1/3)',
    prompt: 'Base URL of a vLLM-compatible server',
    value: config.remoteEndpoint || 'http://127.0.0.1:8000',
    ignoreFocusOut: true,
    validateInput: (v) => (/^https?:\/\/\S+$/i.test(v.trim()) ? undefined : 'Enter an http(s) URL, e.g. http://127.0.0.1:8000'),
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
  s.log.info(`remote server set: ${url} (${model.trim() || 'first listed model'}), API key ${key.trim() ? 'stored' : 'none'}`);
  return true;
}
