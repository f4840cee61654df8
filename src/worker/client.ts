/**
 * WorkerClient: the caller's side of the engine worker, used by the extension and usable by the CLI
 * (no vscode import). It spawns the worker on the first request, says hello, and keeps a pending map
 * whose entries are always deleted: on the answer, on abort (settled at once; the worker is told to
 * stop), or when the worker dies (every pending request rejects, the status becomes `error`, and the
 * next request starts a fresh worker).
 */
import { Worker } from 'node:worker_threads';
import { SemanticFlowError } from '../core/errors';
import {
  PROTOCOL_VERSION,
  type EngineStatus,
  type FromWorker,
  type LogLevel,
  type Method,
  type Params,
  type Progress,
  type Result,
  type ToWorker,
  type WorkerError,
} from './protocol';

/** The part of a worker_threads Worker the client uses (tests pass an in-process fake). */
export interface WorkerLike {
  postMessage(msg: ToWorker): void;
  on(event: 'message', listener: (msg: FromWorker) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<unknown>;
}

export interface RequestOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface Disposable {
  dispose(): void;
}

interface Pending {
  method: Method;
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?: (p: Progress) => void;
  cleanup(): void;
}

export interface WorkerClientOptions {
  /** Starts a worker; defaults to `new Worker(workerPath)`. */
  spawn?: () => WorkerLike;
  workerPath?: string;
}

/** A worker error as the SemanticFlowError the caller sees. */
export function fromWorkerError(e: WorkerError): SemanticFlowError {
  const err = new SemanticFlowError(e.code, e.message);
  if (e.stack) err.stack = `${err.name}: ${e.message}\n--- in the engine worker ---\n${e.stack}`;
  return err;
}

export class WorkerClient implements Disposable {
  private worker: WorkerLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly statusListeners = new Set<(s: EngineStatus) => void>();
  private readonly logListeners = new Set<(level: LogLevel, message: string) => void>();
  private lastStatus: EngineStatus = { health: 'stopped' };
  private disposed = false;
  private readonly spawn: () => WorkerLike;

  constructor(options: WorkerClientOptions) {
    const { workerPath } = options;
    this.spawn =
      options.spawn ??
      (() => {
        if (!workerPath) throw new Error('WorkerClient needs spawn or workerPath');
        return new Worker(workerPath) as unknown as WorkerLike;
      });
  }

  get status(): EngineStatus {
    return this.lastStatus;
  }

  /** True while a worker process exists (it may still be loading). */
  get isRunning(): boolean {
    return this.worker !== undefined;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  onStatus(listener: (s: EngineStatus) => void): Disposable {
    this.statusListeners.add(listener);
    return { dispose: () => this.statusListeners.delete(listener) };
  }

  onLog(listener: (level: LogLevel, message: string) => void): Disposable {
    this.logListeners.add(listener);
    return { dispose: () => this.logListeners.delete(listener) };
  }

  request<M extends Method>(method: M, params: Params<M>, opts: RequestOptions = {}): Promise<Result<M>> {
    if (this.disposed) return Promise.reject(new SemanticFlowError('cancelled', 'The engine was shut down.'));
    if (opts.signal?.aborted) return Promise.reject(new SemanticFlowError('cancelled', 'The request was cancelled.'));
    let worker: WorkerLike;
    try {
      worker = this.ensureWorker();
    } catch (e) {
      return Promise.reject(
        new SemanticFlowError('internal', `The Semantic Flow engine could not start: ${(e as Error).message}`),
      );
    }
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.has(id)) return;
        this.settle(id)?.reject(new SemanticFlowError('cancelled', 'The request was cancelled.'));
        this.worker?.postMessage({ kind: 'cancel', id });
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: opts.onProgress,
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
      });
      worker.postMessage({ kind: 'request', id, method, params } as ToWorker);
    });
  }

  /** Stops the worker; pending requests reject as cancelled. The next request starts a new one. */
  async restart(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new SemanticFlowError('cancelled', 'The engine was restarted.'));
    this.setStatus({ health: 'stopped' });
    await w?.terminate();
  }

  /** Terminates the worker for good; resolves when it has exited. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.restart();
    this.statusListeners.clear();
    this.logListeners.clear();
  }

  private ensureWorker(): WorkerLike {
    if (this.worker) return this.worker;
    const w = this.spawn();
    this.worker = w;
    w.on('message', (msg) => this.onMessage(w, msg));
    w.on('error', (err) => this.onDeath(w, `it crashed: ${err.message}`));
    w.on('exit', (code) => this.onDeath(w, `it exited with code ${code}`));
    const id = this.nextId++;
    this.pending.set(id, {
      method: 'hello',
      resolve: () => undefined,
      reject: () => undefined, // a failed hello kills the worker (onMessage), which reports it
      cleanup: () => undefined,
    });
    w.postMessage({ kind: 'request', id, method: 'hello', params: { protocolVersion: PROTOCOL_VERSION } });
    return w;
  }

  private onMessage(w: WorkerLike, msg: FromWorker): void {
    if (w !== this.worker) return; // a message from a worker that was already replaced
    switch (msg.kind) {
      case 'result':
        this.settle(msg.id)?.resolve(msg.result);
        return;
      case 'error': {
        const p = this.settle(msg.id);
        p?.reject(fromWorkerError(msg.error));
        if (p?.method === 'hello') this.kill(w, fromWorkerError(msg.error));
        return;
      }
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.progress);
        return;
      case 'status':
        this.setStatus(msg.status);
        return;
      case 'log':
        this.emitLog(msg.level, msg.message);
        return;
      default: {
        const unreachable: never = msg;
        this.emitLog('warn', `ignored an unknown worker message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private onDeath(w: WorkerLike, why: string): void {
    if (w !== this.worker) return; // deliberate stop, or already handled
    this.kill(
      w,
      new SemanticFlowError(
        'internal',
        `The Semantic Flow engine stopped unexpectedly: ${why}. It restarts on the next request.`,
      ),
    );
  }

  private kill(w: WorkerLike, error: SemanticFlowError): void {
    this.worker = undefined;
    this.failAll(error);
    this.setStatus({ health: 'error', code: error.code, message: error.message });
    this.emitLog('error', error.message);
    void w.terminate();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.cleanup();
    return p;
  }

  private failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }

  private setStatus(s: EngineStatus): void {
    this.lastStatus = s;
    for (const l of this.statusListeners) l(s);
  }

  private emitLog(level: LogLevel, message: string): void {
    for (const l of this.logListeners) l(level, message);
  }
}
