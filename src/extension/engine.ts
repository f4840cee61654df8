/**
 * The engine scope (rust-analyzer's two lifetimes): the engine process client and its listeners, created on
 * the first request and disposed on restart or shutdown. Activation never creates it.
 */
import * as vscode from 'vscode';
import type { ModelInfo } from '../core/result';
import { spawnEngineProcess } from '../worker/childProcess';
import { WorkerClient, type RequestOptions } from '../worker/client';
import type { EngineStatus, Method, Params, Result } from '../worker/protocol';

export class Engine implements vscode.Disposable {
  private client: WorkerClient | undefined;
  private readonly scope: vscode.Disposable[] = [];
  private current: EngineStatus = { health: 'stopped' };
  private lastModel: ModelInfo | undefined;
  private readonly changed = new vscode.EventEmitter<EngineStatus>();
  readonly onDidChangeStatus = this.changed.event;

  constructor(
    private readonly workerPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get status(): EngineStatus {
    return this.current;
  }

  /** The model of the last successful load (kept across busy/error states for display). */
  get model(): ModelInfo | undefined {
    return this.lastModel;
  }

  request<M extends Method>(method: M, params: Params<M>, opts?: RequestOptions): Promise<Result<M>> {
    return this.ensureClient().request(method, params, opts);
  }

  /** Stops the worker; the next request starts a fresh one. */
  async restart(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    for (const d of this.scope.splice(0)) d.dispose();
    await c?.dispose();
    this.lastModel = undefined;
    this.setStatus({ health: 'stopped' });
  }

  private ensureClient(): WorkerClient {
    if (this.client) return this.client;
    const client = new WorkerClient({
      spawn: () =>
        spawnEngineProcess(this.workerPath, { onStderr: (line) => this.log.warn(`[engine stderr] ${line}`) }),
    });
    this.client = client;
    this.log.info(`starting the engine process (${this.workerPath})`);
    this.scope.push(
      client.onStatus((s) => this.setStatus(s)),
      client.onLog((level, message) => this.log[level === 'warn' ? 'warn' : level](`[engine] ${message}`)),
    );
    return client;
  }

  private setStatus(s: EngineStatus): void {
    if (s.health === 'ready' || s.health === 'busy') this.lastModel = s.model;
    this.current = s;
    this.changed.fire(s);
  }

  /** Resolves when the worker has exited (deactivate returns this). */
  async shutdown(): Promise<void> {
    await this.restart();
    this.changed.dispose();
  }

  dispose(): void {
    void this.shutdown();
  }
}
