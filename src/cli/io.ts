/** What the CLI touches outside itself, so tests can run `run(argv, io)` in-process. */
export interface CliIo {
  /** `once('drain')`: a stream that reports a full buffer holds streamed output back (cli/backPressure.ts). */
  stdout: {
    write(s: string): unknown;
    once?(event: 'drain', listener: () => void): unknown;
    isTTY?: boolean;
    columns?: number;
  };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** All of standard input, or (given maxBytes) stops reading once more than maxBytes arrived. */
  readStdin(maxBytes?: number): Promise<Uint8Array>;
  /** Standard input is a terminal (reading it waits for typing). */
  stdinIsTTY?: boolean;
  env: Record<string, string | undefined>;
  /** Cancels long work (Ctrl+C). */
  signal?: AbortSignal;
}

/**
 * Reads a stream to the end; with `maxBytes`, stops as soon as more than that arrived (the caller then
 * refuses the input as too large), so an endless or huge pipe never fills memory.
 */
export async function readAll(stream: AsyncIterable<Buffer | string>, maxBytes = Infinity): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    parts.push(b);
    total += b.length;
    if (total > maxBytes) break;
  }
  return Buffer.concat(parts);
}
