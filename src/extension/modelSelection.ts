/**
 * The model choice: "Select Model" persists a pick in globalState (with recently used folders); when
 * the `semanticFlow.model` setting changes afterwards, the setting wins again. API keys live in
 * SecretStorage, keyed by endpoint, so a workspace cannot redirect a key to another server.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BUILTIN_MODEL_NAME } from '../engines/builtinModel';
import type { EngineConfig } from '../worker/protocol';
import type { Config } from './config';
import { choiceLabel, engineConfigOf, parseModelSetting, settingValueOf, type ModelChoice } from './modelChoice';

const PICK_KEY = 'semanticFlow.modelPick';
const RECENT_KEY = 'semanticFlow.recentModels';
const MAX_RECENT = 6;

export const secretKeyFor = (endpoint: string): string => `semanticFlow.apiKey:${endpoint}`;

interface PickItem extends vscode.QuickPickItem {
  choice?: ModelChoice;
  browse?: true;
}

export class ModelSelection implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('semanticFlow.model')) void this.context.globalState.update(PICK_KEY, undefined).then(() => this.changed.fire());
      else if (e.affectsConfiguration('semanticFlow.remote')) this.changed.fire();
    });
  }

  private pathContext() {
    return { workspaceRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, home: homedir(), exists: existsSync };
  }

  /** The model in effect: the last pick, else the setting. */
  current(config: Config): ModelChoice {
    const picked = this.context.globalState.get<string>(PICK_KEY);
    return parseModelSetting(picked ?? config.model, this.pathContext());
  }

  label(config: Config): string {
    return choiceLabel(this.current(config), config.remoteModel);
  }

  async engineConfig(config: Config, choice: ModelChoice = this.current(config)): Promise<EngineConfig> {
    const apiKey = choice.kind === 'remote' && config.remoteEndpoint ? await this.context.secrets.get(secretKeyFor(config.remoteEndpoint)) : undefined;
    const modelsDirs = choice.kind === 'hub' ? [join(this.context.globalStorageUri.fsPath, 'models')] : undefined;
    return engineConfigOf(choice, { device: config.device, dtype: config.dtype, remoteEndpoint: config.remoteEndpoint, remoteModel: config.remoteModel, apiKey, modelsDirs });
  }

  async setPick(choice: ModelChoice): Promise<void> {
    await this.context.globalState.update(PICK_KEY, settingValueOf(choice));
    if (choice.kind === 'folder') {
      const recent = this.recent().filter((p) => p !== choice.path);
      await this.context.globalState.update(RECENT_KEY, [choice.path, ...recent].slice(0, MAX_RECENT));
    }
    this.changed.fire();
  }

  async setApiKey(endpoint: string, key: string | undefined): Promise<void> {
    if (key) await this.context.secrets.store(secretKeyFor(endpoint), key);
    else await this.context.secrets.delete(secretKeyFor(endpoint));
  }

  recent(): string[] {
    return this.context.globalState.get<string[]>(RECENT_KEY, []);
  }

  /** Quick pick: built-in, remote (when configured), recent folders, Browse…; undefined when dismissed. */
  async pick(config: Config, title: string): Promise<ModelChoice | undefined> {
    const current = settingValueOf(this.current(config));
    const mark = (c: ModelChoice) => (settingValueOf(c) === current ? ' $(check)' : '');
    const items: PickItem[] = [
      { label: `$(package) ${BUILTIN_MODEL_NAME}${mark({ kind: 'builtin' })}`, description: 'built-in, runs locally', choice: { kind: 'builtin' } },
    ];
    if (config.remoteEndpoint) {
      items.push({ label: `$(remote) ${config.remoteModel || 'remote model'}${mark({ kind: 'remote' })}`, description: config.remoteEndpoint, choice: { kind: 'remote' } });
    }
    const recent = this.recent();
    if (recent.length) items.push({ label: 'recent folders', kind: vscode.QuickPickItemKind.Separator });
    for (const p of recent) items.push({ label: `$(folder) ${choiceLabel({ kind: 'folder', path: p })}${mark({ kind: 'folder', path: p })}`, description: p, choice: { kind: 'folder', path: p } });
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(folder-opened) Browse…', description: 'a folder with config.json, tokenizer.json and onnx/model.onnx', browse: true });
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Model to analyse with', matchOnDescription: true });
    if (!picked) return undefined;
    if (!picked.browse) return picked.choice;
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this model folder', title });
    return folder?.[0] ? { kind: 'folder', path: folder[0].fsPath } : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
