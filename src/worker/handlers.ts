/** The worker's request handlers: each gets the shared model from the ModelHost and runs one core function. */
import type { Handlers, HandlerContext } from './dispatcher';
import type { Features } from './features';
import type { ModelHost } from './modelHost';
import type { ScoreOptions } from './protocol';
import type { AnalyzeOptions } from '../core/analyze';

/** AnalyzeOptions for one request: its options, signal and progress reporting. */
export function analyzeOptions(o: ScoreOptions, ctx: HandlerContext, source?: AnalyzeOptions['source']): AnalyzeOptions {
  return {
    topK: o.topK,
    chunkSize: o.chunkSize,
    units: o.units,
    signal: ctx.signal,
    source,
    onProgress: (p) => ctx.progress({ stage: 'score', done: p.doneTokens, total: p.totalTokens, unit: 'tokens' }),
  };
}

export function createHandlers(host: ModelHost, features: Features): Handlers {
  const after = <T>(p: Promise<T>): Promise<T> => p.finally(() => host.idle());
  return {
    load: (p, ctx) => after(host.get(p.engine, ctx, 'load').then((m) => m.info)),
    unload: async () => {
      await host.unload();
      return null;
    },
    analyze: (p, ctx) =>
      after(host.get(p.engine, ctx, 'analyze').then((m) => m.analyze(p.text, analyzeOptions(p.options, ctx, p.source)))),
    di: (p, ctx) => after(host.get(p.engine, ctx, 'di').then((m) => features.di(m, p, ctx))),
    flow: (p, ctx) => after(host.get(p.engine, ctx, 'flow').then((m) => features.flow(m, p, ctx))),
    generate: (p, ctx) => after(host.get(p.engine, ctx, 'generate').then((m) => features.generate(m, p, ctx))),
    compare: (p, ctx) =>
      after((async () => {
        const a = await host.get(p.engine, ctx, 'compare');
        const b = await host.getSecondary(p.engineB, ctx);
        return features.compare(a, b, p, ctx);
      })()),
  };
}
