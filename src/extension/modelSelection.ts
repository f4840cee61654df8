/**
 * The model choice: "Select Model" persists a pick in globalState (with recently used folders); when
 * the `semanticFlow.model` setting changes afterwards, the setting wins again. API keys live in
 * SecretStorage, keyed by endpoint, so a workspace cannot redirect a key to another server. Catalog
 * models download into the extension's global storage (`<globalStorage>/models/<owner>/<name>`),
 * never into its install folder.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Dtype } from '../core/result';
import { BUILTIN_MODEL_NAME } from '../engines/builtinModel';
import { CATALOG, type CatalogEntry } from '../engines/catalog/catalog';
import { findHubSnapshot, hubCacheRoots } from '../engines/catalog/hubCache';
import { SUGGESTED_MODEL_ID } from '../engines/catalog/suggestedModel';
import { completeDtypes, describeModelFolder } from '../engines/catalog/localModels';
import { modelFolderFor } from '../engines/catalog/modelsDir';
import type { EngineConfig } from '../worker/protocol';
import type { Config } from './config';
import {
  catalogRow,
  choiceLabel,
  downloadDtypeFor,
  engineConfigOf,
  hubLoadDtype,
  parseModelSetting,
  settingValueOf,
  type CatalogLocal,
  type ModelChoice,
} from './modelChoice';

const PICK_KEY = 'semanticFlow.modelPick';
const RECENT_KEY = 'semanticFlow.recentModels';
const MAX_RECENT = 6;

export const secretKeyFor = (endpoint: string): string => `semanticFlow.apiKey:${endpoint}`;

export interface PickItem extends vscode.QuickPickItem {
  choice?: ModelChoice;
  browse?: true;
}

export interface PickOptions {
  /** List catalog models that are not on disk yet (Select Model downloads them); otherwise only downloaded ones. */
  offerDownloads?: boolean;
}

export class ModelSelection implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  /** `hubRoots`: Hugging Face caches whose snapshots count as on disk (the engine loads from them too). */
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly hubRoots: string[] = hubCacheRoots(),
  ) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('semanticFlow.model'))
        void this.context.globalState.update(PICK_KEY, undefined).then(() => this.changed.fire());
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
    const apiKey =
      choice.kind === 'remote' && config.remoteEndpoint
        ? await this.context.secrets.get(secretKeyFor(config.remoteEndpoint))
        : undefined;
    const modelsDirs = choice.kind === 'hub' ? [this.modelsRoot()] : undefined;
    const dtype = choice.kind === 'hub' ? this.hubDtype(choice.id, config) : config.dtype;
    return engineConfigOf(choice, {
      device: config.device,
      dtype,
      remoteEndpoint: config.remoteEndpoint,
      remoteModel: config.remoteModel,
      apiKey,
      modelsDirs,
    });
  }

  /** Where catalog models download: `<globalStorage>/models`. */
  modelsRoot(): string {
    return join(this.context.globalStorageUri.fsPath, 'models');
  }

  /** The folder a Hub id downloads into (null for an id that is not owner/name). */
  private folderOf(id: string): string | null {
    try {
      return modelFolderFor(this.modelsRoot(), id);
    } catch {
      return null;
    }
  }

  /** dtypes of `id` complete in the models folder. */
  downloadedDtypes(id: string): Dtype[] {
    const dir = this.folderOf(id);
    return dir ? completeDtypes(dir, existsSync) : [];
  }

  /** dtypes of `id` complete in a Hugging Face cache snapshot (used when the models folder has none). */
  private hubCacheDtypes(id: string): Dtype[] {
    const snapshot = findHubSnapshot(id, this.hubRoots);
    return snapshot ? completeDtypes(snapshot, existsSync) : [];
  }

  /** The dtype a Hub model loads with (what is on disk when semanticFlow.dtype is not set). */
  hubDtype(id: string, config: Config): Dtype {
    const onDisk = this.downloadedDtypes(id);
    return hubLoadDtype(onDisk.length ? onDisk : this.hubCacheDtypes(id), config.dtype, config.dtypeChosen);
  }

  /** The dtype a download of `entry` fetches; null when semanticFlow.dtype names one the catalog lacks. */
  downloadDtype(entry: CatalogEntry, config: Config): Dtype | null {
    return downloadDtypeFor(entry, config.dtype, config.dtypeChosen);
  }

  /** What the models folder holds of Hub model `id` for the dtype it would load with. */
  localState(id: string, config: Config): CatalogLocal {
    const onDisk = this.downloadedDtypes(id);
    const dtype = hubLoadDtype(onDisk, config.dtype, config.dtypeChosen);
    if (onDisk.includes(dtype)) return { state: 'downloaded', dtype };
    // The engine loads a Hub id from the models folder first, then from a Hugging Face cache snapshot.
    if (onDisk.length === 0) {
      const cached = this.hubCacheDtypes(id);
      const cachedDtype = hubLoadDtype(cached, config.dtype, config.dtypeChosen);
      if (cached.includes(cachedDtype)) return { state: 'downloaded', dtype: cachedDtype, where: 'hub-cache' };
    }
    const dir = this.folderOf(id);
    if (!dir || !existsSync(dir)) return { state: 'absent' };
    const { bytes } = describeModelFolder(dir, id);
    return bytes > 0 ? { state: 'partial', bytes } : { state: 'absent' };
  }

  /** True when `id` must be downloaded before it can load (not complete in the models folder). */
  needsDownload(id: string, config: Config): boolean {
    return this.localState(id, config).state !== 'downloaded';
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

  /**
   * The quick pick's rows: built-in, remote (when configured), the catalog (downloaded ones only unless
   * `offerDownloads`), recent folders, Browse….
   */
  items(config: Config, options: PickOptions = {}): PickItem[] {
    const current = settingValueOf(this.current(config));
    const mark = (c: ModelChoice) => (settingValueOf(c) === current ? ' $(check)' : '');
    const items: PickItem[] = [
      {
        label: `$(package) ${BUILTIN_MODEL_NAME}${mark({ kind: 'builtin' })}`,
        description: 'built-in, runs locally',
        choice: { kind: 'builtin' },
      },
    ];
    if (config.remoteEndpoint) {
      items.push({
        label: `$(remote) ${config.remoteModel || 'remote model'}${mark({ kind: 'remote' })}`,
        description: config.remoteEndpoint,
        choice: { kind: 'remote' },
      });
    }
    const catalog = CATALOG.map((entry) => ({ entry, local: this.localState(entry.id, config) })).filter(
      ({ local }) => options.offerDownloads || local.state === 'downloaded',
    );
    if (catalog.length)
      items.push({
        label: options.offerDownloads ? 'recommended models (Hugging Face Hub)' : 'downloaded models',
        kind: vscode.QuickPickItemKind.Separator,
      });
    for (const { entry, local } of catalog) {
      const choice: ModelChoice = { kind: 'hub', id: entry.id };
      const row = catalogRow(entry, local, {
        dtype: this.downloadDtype(entry, config),
        wanted: config.dtype,
        current: settingValueOf(choice) === current,
      });
      items.push({
        ...row,
        ...(entry.id === SUGGESTED_MODEL_ID ? { detail: `$(star-full) suggested · ${row.detail}` } : {}),
        choice,
      });
    }
    const recent = this.recent();
    if (recent.length) items.push({ label: 'recent folders', kind: vscode.QuickPickItemKind.Separator });
    for (const p of recent)
      items.push({
        label: `$(folder) ${choiceLabel({ kind: 'folder', path: p })}${mark({ kind: 'folder', path: p })}`,
        description: p,
        choice: { kind: 'folder', path: p },
      });
    items.push(
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      {
        label: '$(folder-opened) Browse…',
        description: 'a folder with config.json, tokenizer.json and onnx/model.onnx',
        browse: true,
      },
    );
    return items;
  }

  /** Quick pick of `items()`; undefined when dismissed. A catalog model may still need a download (needsDownload). */
  async pick(config: Config, title: string, options: PickOptions = {}): Promise<ModelChoice | undefined> {
    const items = this.items(config, options);
    const picked = await vscode.window.showQuickPick(items, {
      title,
      placeHolder: 'Model to analyse with',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return undefined;
    if (!picked.browse) return picked.choice;
    const folder = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use this model folder',
      title,
    });
    return folder?.[0] ? { kind: 'folder', path: folder[0].fsPath } : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
