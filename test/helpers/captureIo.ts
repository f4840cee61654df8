/** A CliIo that keeps what a command writes, for in-process `run(argv, io)` tests. */
import type { CliIo } from '../../src/cli/io';

export function captureIo(env: Record<string, string> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: {
      write: (s: string) => {
        io.out += s;
      },
    },
    stderr: {
      write: (s: string) => {
        io.err += s;
      },
    },
    readStdin: async () => new Uint8Array(),
    env,
  };
  return io;
}
