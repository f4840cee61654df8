/** A CliIo that keeps what a command writes, for in-process `run(argv, io)` tests. */
import { EventEmitter } from 'node:events';
import type { CliIo } from '../../src/cli/io';

export interface CaptureOptions {
  /** What standard input holds. */
  stdin?: string;
  env?: Record<string, string>;
  /** stdout is a terminal (tables by default, fitted to `columns`). */
  stdoutTTY?: boolean;
  columns?: number;
  /** stderr is a terminal (progress lines redrawn in place). */
  stderrTTY?: boolean;
  signal?: AbortSignal;
}

export function captureIo(o: CaptureOptions = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: {
      write: (s: string) => {
        io.out += s;
      },
      isTTY: o.stdoutTTY,
      columns: o.columns,
    },
    stderr: {
      write: (s: string) => {
        io.err += s;
      },
      isTTY: o.stderrTTY,
    },
    readStdin: async () => new TextEncoder().encode(o.stdin ?? ''),
    env: o.env ?? {},
    signal: o.signal,
  };
  return io;
}

/**
 * A standard output whose buffer is always full: every write returns false (Node still takes the
 * text), and 'drain' comes only when the test calls `drain()`; `written` is all it was given.
 */
export function alwaysFullStdout(): { stdout: CliIo['stdout']; written: () => string; drain: () => boolean } {
  const events = new EventEmitter();
  let written = '';
  return {
    stdout: {
      write: (s: string) => {
        written += s;
        return false;
      },
      once: (event, listener) => events.once(event, listener),
    },
    written: () => written,
    /** Drains if a writer waits for it; says whether one did. */
    drain: () => events.listenerCount('drain') > 0 && events.emit('drain'),
  };
}
