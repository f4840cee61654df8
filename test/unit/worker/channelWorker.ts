/**
 * An in-process stand-in for the engine worker: a Dispatcher behind a real MessageChannel, so messages
 * are structured-cloned and delivered asynchronously exactly as with worker_threads. `crash()` emits
 * the 'error' and 'exit' events a dying worker emits.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { Dispatcher, type Handlers } from '../../../src/worker/dispatcher';
import type { WorkerLike } from '../../../src/worker/client';
import type { FromWorker, ToWorker } from '../../../src/worker/protocol';

export interface ChannelWorker extends WorkerLike {
  crash(message?: string): void;
  terminated: boolean;
  received: ToWorker[];
}

export function channelWorker(handlers: Handlers): ChannelWorker {
  const { port1, port2 } = new MessageChannel();
  const events = new EventEmitter();
  const dispatcher = new Dispatcher(handlers, (m: FromWorker) => port2.postMessage(m));
  const received: ToWorker[] = [];
  port2.on('message', (m: ToWorker) => {
    received.push(m);
    dispatcher.receive(m);
  });
  const stop = (): void => {
    dispatcher.abortAll();
    port1.close();
    port2.close();
  };
  const w: ChannelWorker = {
    terminated: false,
    received,
    postMessage: (m) => port1.postMessage(m),
    on: ((event: string, listener: (arg: never) => void) => {
      const l = listener as (arg: unknown) => void;
      if (event === 'message') port1.on('message', l);
      else events.on(event, l);
      return w;
    }) as WorkerLike['on'],
    terminate: async () => {
      if (!w.terminated) {
        w.terminated = true;
        stop();
        events.emit('exit', 1);
      }
      return 1;
    },
    crash: (message = 'simulated native crash') => {
      events.emit('error', new Error(message));
      stop();
      w.terminated = true;
      events.emit('exit', 1);
    },
  };
  return w;
}
