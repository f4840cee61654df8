/** What the CLI touches outside itself, so tests can run `run(argv, io)` in-process. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  readStdin(): Promise<Uint8Array>;
  env: Record<string, string | undefined>;
  /** Cancels long work (Ctrl+C). */
  signal?: AbortSignal;
}

export async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(parts);
}
