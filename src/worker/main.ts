/**
 * Engine entry (dist/worker.js): the IPC channel ↔ dispatcher; nothing else happens here. It runs as
 * a child process (see childProcess.ts for why) and, for in-process tests, also as a worker_thread.
 */
import { parentPort } from 'node:worker_threads';
import { createModel } from '../engines/createModel';
import { Dispatcher } from './dispatcher';
import { createHandlers } from './handlers';
import { features } from './features';
import { ModelHost } from './modelHost';
import type { FromWorker, ToWorker } from './protocol';

interface Channel {
  post(msg: FromWorker): void;
  onMessage(listener: (msg: ToWorker) => void): void;
}

function channel(): Channel {
  const port = parentPort;
  if (port) return { post: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l) };
  const send = process.send?.bind(process);
  if (!send) throw new Error('src/worker/main.ts runs only as a child process with IPC or as a worker thread.');
  // The parent going away (extension host closed or crashed) ends the engine too.
  process.on('disconnect', () => process.exit(0));
  // Ctrl+C in a terminal reaches the whole process group: the parent decides when the engine stops
  // (`semantic-flow serve` finishes the requests in flight first), and ends it by disconnecting.
  process.on('SIGINT', () => undefined);
  return { post: (m) => void send(m), onMessage: (l) => process.on('message', l as (m: unknown) => void) };
}

const { post, onMessage } = channel();
const notice = (message: string): void => post({ kind: 'log', level: 'info', message });
const host = new ModelHost(
  (engine, onProgress) => createModel(engine, { notice, onProgress }),
  (status) => post({ kind: 'status', status }),
);
const dispatcher = new Dispatcher(createHandlers(host, features), post);
onMessage((msg) => dispatcher.receive(msg));
