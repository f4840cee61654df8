/**
 * The worker's loaded models: one primary (shared by every command) and one secondary slot (the other
 * side of a comparison). A model is reloaded only when its config changes; a load in progress is shared
 * by the requests waiting on it and is not aborted by a cancel (the model stays useful), but the
 * cancelled request returns at once.
 */
import { SemanticFlowError } from '../core/errors';
import { BUILTIN_MODEL_NAME } from '../engines/builtinModel';
import type { LanguageModel, LoadProgress } from '../engines/languageModel';
import { engineKey, type EngineConfig, type EngineStatus, type Method } from './protocol';
import type { HandlerContext } from './dispatcher';

interface Slot {
  key: string;
  model: Promise<LanguageModel>;
  /** Set once the load has finished; its info is read live (a model whose GPU failed moves to the CPU). */
  loaded?: LanguageModel;
}

export function describeEngine(e: EngineConfig): string {
  if (e.kind === 'remote') return `${e.model} at ${e.endpoint}`;
  return e.hubId ?? e.modelDir ?? e.id ?? BUILTIN_MODEL_NAME;
}

export class ModelHost {
  private primary: Slot | null = null;
  private secondary: Slot | null = null;

  constructor(
    private readonly load: (e: EngineConfig, onProgress: (p: LoadProgress) => void) => Promise<LanguageModel>,
    private readonly postStatus: (s: EngineStatus) => void,
  ) {}

  /** The primary model for `engine`, loading it (and disposing the previous one) when needed. */
  async get(engine: EngineConfig, ctx: HandlerContext, method: Method): Promise<LanguageModel> {
    const model = await this.slot('primary', engine, ctx);
    this.postStatus({ health: 'busy', model: model.info, method });
    return model;
  }

  async getSecondary(engine: EngineConfig, ctx: HandlerContext): Promise<LanguageModel> {
    return this.slot('secondary', engine, ctx);
  }

  /** Reports the engine idle (after each request); a load still running reports itself when done. */
  idle(): void {
    const p = this.primary;
    if (!p) this.postStatus({ health: 'stopped' });
    else if (p.loaded) this.postStatus({ health: 'ready', model: p.loaded.info });
  }

  async unload(): Promise<void> {
    const slots = [this.primary, this.secondary];
    this.primary = this.secondary = null;
    for (const s of slots) await disposeSlot(s);
    this.postStatus({ health: 'stopped' });
  }

  private async slot(
    which: 'primary' | 'secondary',
    engine: EngineConfig,
    ctx: HandlerContext,
  ): Promise<LanguageModel> {
    const key = engineKey(engine);
    let s = this[which];
    if (!s || s.key !== key) {
      const old = s;
      this[which] = null;
      await disposeSlot(old);
      const name = describeEngine(engine);
      ctx.progress({ stage: 'load', model: name });
      if (which === 'primary') this.postStatus({ health: 'loading', model: name });
      const started = Date.now();
      const model = this.load(engine, (p) =>
        ctx.progress(
          p.step === 'read'
            ? { stage: 'load', model: name, done: p.doneBytes, total: p.totalBytes }
            : { stage: 'load', model: name, device: p.device },
        ),
      );
      s = { key, model };
      this[which] = s;
      const loadedSlot = s;
      model.then(
        (m) => {
          loadedSlot.loaded = m;
          if (which === 'primary' && this.primary === loadedSlot) this.postStatus({ health: 'ready', model: m.info });
          ctx.log(
            'info',
            `loaded ${m.info.id} on ${m.info.device} (${m.info.dtype}) in ${Date.now() - started} ms` +
              (m.info.fallbackReason ? `; fallback: ${m.info.fallbackReason}` : ''),
          );
        },
        (e: Error) => {
          if (this[which] === loadedSlot) this[which] = null; // retry on the next request
          if (which === 'primary')
            this.postStatus({ health: 'error', code: (e as SemanticFlowError).code ?? 'internal', message: e.message });
        },
      );
    }
    return raceAbort(s.model, ctx.signal);
  }
}

async function disposeSlot(s: Slot | null): Promise<void> {
  if (!s) return;
  try {
    await (await s.model).dispose();
  } catch {
    /* a failed load has nothing to dispose */
  }
}

/** Resolves with `p`, or rejects as cancelled as soon as `signal` fires (p keeps running). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new SemanticFlowError('cancelled', 'The request was cancelled.'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new SemanticFlowError('cancelled', 'The request was cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
