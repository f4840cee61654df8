/**
 * Output that a slow reader can hold back. A stream's write returns false once its buffer is full; Node
 * still takes the text, so a writer that goes on grows that buffer without bound (a long analysis piped
 * into a slow reader). `drained` lets the producer wait for the stream's 'drain' before making more.
 */
import type { TextOut } from '../core/resultWriter';

export interface DrainableOut extends TextOut {
  once?(event: 'drain', listener: () => void): unknown;
}

export interface BackPressuredOut extends TextOut {
  /** Resolves at once unless a write found the buffer full; then on 'drain' (or when `signal` aborts). */
  drained(): Promise<void>;
}

export function withBackPressure(out: DrainableOut, signal?: AbortSignal): BackPressuredOut {
  let full: Promise<void> | null = null;
  return {
    write(s) {
      // The listener goes on at the write that filled the buffer: 'drain' may fire before anyone waits.
      if (out.write(s) === false && out.once && !full)
        full = new Promise<void>((resolve) => {
          const done = () => {
            full = null;
            signal?.removeEventListener('abort', done);
            resolve();
          };
          out.once?.('drain', done);
          signal?.addEventListener('abort', done, { once: true });
        });
      return true;
    },
    drained: () => full ?? Promise.resolve(),
  };
}
