/**
 * Context keys for when-clauses and for the walkthrough's `onContext:` completion events: a step is done
 * when what it asks for has really happened (a result exists, directed information was computed, a model
 * other than the built-in one is chosen, the model runs on an accelerator), not when a button was clicked.
 */
import * as vscode from 'vscode';
import type { ConcreteDevice } from '../engines/onnx/deviceFallback';
import type { Config } from './config';
import type { Engine } from './engine';
import type { ModelSelection } from './modelSelection';
import type { ResultStore } from './resultStore';

export const ContextKey = {
  hasResult: 'semanticFlow.hasResult',
  hasDirectedInformation: 'semanticFlow.hasDirectedInformation',
  externalModel: 'semanticFlow.externalModel',
  onAccelerator: 'semanticFlow.onAccelerator',
} as const;

const ACCELERATORS: readonly ConcreteDevice[] = ['webgpu', 'cuda', 'dml', 'coreml'];

export class ContextKeys implements vscode.Disposable {
  private readonly values = new Map<string, boolean>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly store: ResultStore,
    private readonly models: ModelSelection,
    private readonly engine: Engine,
    private readonly config: () => Config,
  ) {
    this.subscriptions = [
      store.onDidChange(() => this.update()),
      models.onDidChange(() => this.update()),
      engine.onDidChangeStatus(() => this.update()),
    ];
    this.update();
  }

  update(): void {
    const latest = this.store.latest();
    const device = this.engine.model?.device;
    this.set(ContextKey.hasResult, latest !== undefined);
    this.set(ContextKey.hasDirectedInformation, !!latest?.result.di);
    this.set(ContextKey.externalModel, this.models.current(this.config()).kind !== 'builtin');
    this.set(ContextKey.onAccelerator, device !== undefined && (ACCELERATORS as readonly string[]).includes(device));
  }

  private set(key: string, value: boolean): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
