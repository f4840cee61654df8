/**
 * Reads a large model's files once, in 8 MiB pieces through one reused buffer, before ONNX Runtime
 * loads them, so that a load can show progress: onnxruntime-node creates a session in one blocking
 * call that reports nothing. The bytes go to the operating system's page cache, not to JavaScript, and
 * ONNX Runtime's own read that follows comes from there, so the disk is read once either way. Small
 * models are not pre-read: they load in about a second.
 */
import { open } from 'node:fs/promises';

/** Models whose files are smaller than this load without a pre-read (and without byte progress). */
export const PREREAD_MIN_BYTES = 256 * 2 ** 20;
const PIECE = 8 * 2 ** 20;
const REPORT_MS = 100;

export interface ReadProgress {
  doneBytes: number;
  totalBytes: number;
}

/** Reads `files` (`sizes` bytes each) front to back; `onProgress` at most every 100 ms and at the end. */
export async function prereadWeights(
  files: readonly string[],
  sizes: readonly number[],
  onProgress: (p: ReadProgress) => void,
): Promise<void> {
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const buffer = Buffer.allocUnsafe(PIECE);
  let doneBytes = 0,
    reported = 0;
  onProgress({ doneBytes, totalBytes });
  for (const file of files) {
    const handle = await open(file, 'r');
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, PIECE, null);
        if (bytesRead === 0) break;
        doneBytes += bytesRead;
        if (Date.now() - reported >= REPORT_MS) {
          reported = Date.now();
          onProgress({ doneBytes, totalBytes });
        }
      }
    } finally {
      await handle.close();
    }
  }
  onProgress({ doneBytes: totalBytes, totalBytes });
}
