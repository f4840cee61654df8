/**
 * `semantic-flow serve`'s requests inside the engine process: the loaded model as serve's engine
 * (engines/remote/serveEngine.ts), each generated token sent back as progress the moment it is chosen.
 * Only the local engine can serve: generation and prompt log-probs need its full-vocabulary passes.
 */
import { SemanticFlowError } from '../core/errors';
import type { LanguageModel } from '../engines/languageModel';
import { runCompletion } from '../engines/remote/serveEngine';
import { servedPrompt, type LocalEngine } from '../engines/remote/serverScoring';
import type { Handlers } from './dispatcher';
import type { ModelHost } from './modelHost';

function localEngine(m: LanguageModel): LocalEngine {
  if (m.kind !== 'onnx' || !('decodedBytes' in m))
    throw new SemanticFlowError('bad-argument', `serve needs a local model; ${m.info.id} is ${m.kind}.`);
  return m as LocalEngine;
}

export function servingHandlers(host: ModelHost): Pick<Handlers, 'serveLoad' | 'serveTokenize' | 'serveComplete'> {
  const model = async (...a: Parameters<ModelHost['get']>) => localEngine(await host.get(...a));
  return {
    serveLoad: async (p, ctx) => {
      const m = await model(p.engine, ctx, 'serveLoad');
      return { info: m.info, textBytesPerToken: m.textBytesPerToken };
    },
    serveTokenize: async (p, ctx) => {
      const m = await model(p.engine, ctx, 'serveTokenize');
      const ids = servedPrompt(m, p.text, p.bos).ids;
      return { ids, texts: ids.map((id) => m.tokenText(id)) };
    },
    serveComplete: async (p, ctx) =>
      runCompletion(
        await model(p.engine, ctx, 'serveComplete'),
        p.job,
        (event) => ctx.progress({ stage: 'completion', event }),
        ctx.signal,
      ),
  };
}
