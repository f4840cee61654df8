/**
 * serve's engine in the engine's child process: the HTTP side keeps answering (GET /v1/models, /health,
 * refusals) while the model works, because model work never runs on its event loop. At most
 * `concurrency` jobs are sent at once; a request whose client went away is cancelled in the child.
 */
import type { ServeEngine } from '../engines/remote/serveEngine';
import { limiter } from '../engines/remote/serveEngine';
import type { WorkerClient } from './client';
import type { EngineConfig } from './protocol';

/** Loads the model in the child (errors such as a missing model surface here) and returns serve's engine. */
export async function processServeEngine(
  client: WorkerClient,
  engine: EngineConfig,
  concurrency: number,
): Promise<ServeEngine> {
  const { info, textBytesPerToken } = await client.request('serveLoad', { engine });
  const run = limiter(concurrency);
  return {
    info,
    textBytesPerToken,
    tokenize: (text, bos, signal) => client.request('serveTokenize', { engine, text, bos }, { signal }),
    complete: (job, onEvent, signal) =>
      run(() =>
        client.request(
          'serveComplete',
          { engine, job },
          {
            signal,
            onProgress: (p) => {
              if (p.stage === 'completion') onEvent(p.event);
            },
          },
        ),
      ),
    dispose: () => client.dispose(),
  };
}
