/** A CliIo that keeps what a command writes, for in-process `run(argv, io)` tests. */
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
