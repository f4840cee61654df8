/**
 * The worker's request loop: method → handler table, one model request at a time (the model is a single
 * resource; requests that never touch it, such as downloads, run beside the queue), cancel flags as
 * AbortSignals, and errors turned into plain data. A newer analysis of
 * the same document cancels the older one, whether it is still queued or already running. Every
 * request gets exactly one answer (`result` or `error`), so every client promise settles.
 */
import { isSemanticFlowError } from '../core/errors';
import {
  INDEPENDENT_METHODS,
  PROTOCOL_VERSION,
  SUPERSEDING_METHODS,
  type FromWorker,
  type LogLevel,
  type Method,
  type Params,
  type Progress,
  type RequestMessage,
  type Result,
  type ToWorker,
  type WorkerError,
} from './protocol';

export interface HandlerContext {
  signal: AbortSignal;
  progress(p: Progress): void;
  log(level: LogLevel, message: string): void;
}

/** One handler per method except `hello`, which the dispatcher answers itself. */
export type Handlers = {
  [M in Exclude<Method, 'hello'>]: (params: Params<M>, ctx: HandlerContext) => Promise<Result<M>>;
};

interface Job {
  msg: RequestMessage;
  controller: AbortController;
  /** `method|uri` for superseding methods with a source document. */
  supersedeKey: string | null;
}

export class Dispatcher {
  private readonly queue: Job[] = [];
  private running: Job | null = null;
  /** Jobs of INDEPENDENT_METHODS, running now. */
  private readonly beside = new Set<Job>();

  constructor(
    private readonly handlers: Handlers,
    private readonly post: (msg: FromWorker) => void,
  ) {}

  receive(msg: ToWorker): void {
    switch (msg.kind) {
      case 'cancel':
        return this.cancel(msg.id);
      case 'request':
        return this.enqueue(msg);
      default: {
        const unreachable: never = msg;
        this.log('warn', `ignored an unknown message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Aborts everything (worker shutting down). */
  abortAll(): void {
    for (const job of this.queue.splice(0)) this.answerCancelled(job);
    this.running?.controller.abort();
    for (const job of this.beside) job.controller.abort();
  }

  private enqueue(msg: RequestMessage): void {
    if (msg.method === 'hello') {
      const ok = msg.params.protocolVersion === PROTOCOL_VERSION;
      this.post(
        ok
          ? { kind: 'result', id: msg.id, result: { protocolVersion: PROTOCOL_VERSION } }
          : {
              kind: 'error',
              id: msg.id,
              error: {
                code: 'protocol-mismatch',
                message: `The engine speaks protocol ${PROTOCOL_VERSION}, the caller ${msg.params.protocolVersion}; reinstall Semantic Flow.`,
              },
            },
      );
      return;
    }
    const uri = (msg.params as { source?: { uri: string } }).source?.uri;
    const supersedeKey = uri !== undefined && SUPERSEDING_METHODS.includes(msg.method) ? `${msg.method}|${uri}` : null;
    if (supersedeKey) {
      for (const job of this.queue.filter((j) => j.supersedeKey === supersedeKey)) this.dequeueCancelled(job);
      if (this.running?.supersedeKey === supersedeKey) this.running.controller.abort();
    }
    const job: Job = { msg, controller: new AbortController(), supersedeKey };
    if (INDEPENDENT_METHODS.includes(msg.method)) {
      this.beside.add(job);
      void this.run(job).finally(() => this.beside.delete(job));
      return;
    }
    this.queue.push(job);
    void this.pump();
  }

  private cancel(id: number): void {
    if (this.running?.msg.id === id) return this.running.controller.abort();
    for (const job of this.beside) if (job.msg.id === id) return job.controller.abort();
    const job = this.queue.find((j) => j.msg.id === id);
    if (job) this.dequeueCancelled(job);
  }

  private dequeueCancelled(job: Job): void {
    this.queue.splice(this.queue.indexOf(job), 1);
    this.answerCancelled(job);
  }

  private answerCancelled(job: Job): void {
    job.controller.abort();
    this.post({ kind: 'error', id: job.msg.id, error: { code: 'cancelled', message: 'The request was cancelled.' } });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    try {
      await this.run(job);
    } finally {
      this.running = null;
      void this.pump();
    }
  }

  /** Runs one job's handler and posts its one answer. */
  private async run(job: Job): Promise<void> {
    const { id } = job.msg;
    const ctx: HandlerContext = {
      signal: job.controller.signal,
      progress: (progress) => {
        if (!job.controller.signal.aborted) this.post({ kind: 'progress', id, progress });
      },
      log: (level, message) => this.log(level, message),
    };
    try {
      const handler = this.handlers[job.msg.method as Exclude<Method, 'hello'>] as (
        p: unknown,
        c: HandlerContext,
      ) => Promise<unknown>;
      const result = await handler(job.msg.params, ctx);
      if (job.controller.signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'cancelled' });
      this.post({ kind: 'result', id, result });
    } catch (e) {
      this.post({ kind: 'error', id, error: toWorkerError(e, job.controller.signal.aborted) });
    }
  }

  private log(level: LogLevel, message: string): void {
    this.post({ kind: 'log', level, message });
  }
}

/** Any thrown value as plain data; anything after an abort counts as cancelled. */
export function toWorkerError(e: unknown, aborted = false): WorkerError {
  if (aborted || (isSemanticFlowError(e) && e.code === 'cancelled'))
    return { code: 'cancelled', message: 'The request was cancelled.' };
  if (isSemanticFlowError(e)) return { code: e.code, message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  if (/out of memory|std::bad_alloc|Failed to allocate/i.test(err.message)) {
    return {
      code: 'out-of-memory',
      message: `The engine ran out of memory (${err.message.split('\n')[0].slice(0, 200)}). Try a smaller selection, dtype or model.`,
      stack: err.stack,
    };
  }
  return { code: 'internal', message: err.message, stack: err.stack };
}
