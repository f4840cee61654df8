/**
 * The output of `batch`: a resumable JSONL file (ids already written with a result are skipped, ids
 * written as errors are retried; a partially written last line, from a run that was killed, is cut off
 * before appending), or standard output.
 */
import { closeSync, existsSync, openSync, readSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SemanticFlowError } from '../core/errors';
import { type DrainableOut, withBackPressure } from './backPressure';
import { idKey } from './batchInput';

/** Where results go: a resumable file, or standard output (`--out -`, nothing to resume). */
export interface BatchOut {
  /** Keys (idKey) of the ids already in the file with a result. */
  done: Set<string>;
  /** Ids whose line in the file was an error: those lines were removed, so this run retries them. */
  retried: number;
  /** Bytes of a partial last line that were cut off (0 when the file ended cleanly). */
  discardedBytes: number;
  append(line: string): void;
  /** Resolves when what was appended has been taken (a full standard output waits for its reader). */
  drained(): Promise<void>;
  close(): void;
}

const CHUNK = 1 << 20;

/**
 * Calls `line` for each complete line of the file, reading a chunk at a time so that a large OUT is
 * never held whole; returns the file size and the offset just after its last newline.
 */
function scanLines(path: string, line: (text: string, index: number) => void): { size: number; end: number } {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(CHUNK);
    let carry: Buffer[] = [];
    let pos = 0,
      end = 0,
      index = 0;
    for (let n = readSync(fd, chunk, 0, CHUNK, pos); n > 0; n = readSync(fd, chunk, 0, CHUNK, pos)) {
      let from = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0 && nl < n; nl = chunk.indexOf(0x0a, from)) {
        line(Buffer.concat([...carry, chunk.subarray(from, nl)]).toString('utf8'), index++);
        carry = [];
        from = nl + 1;
        end = pos + from;
      }
      if (from < n) carry.push(Buffer.from(chunk.subarray(from, n)));
      pos += n;
    }
    return { size: pos, end };
  } finally {
    closeSync(fd);
  }
}

/** What the file already holds: ids with a result, and whether any line is an error to retry. */
function readDone(path: string): { done: Set<string>; errorLines: number; size: number; end: number } {
  const done = new Set<string>();
  let errorLines = 0;
  const { size, end } = scanLines(path, (l, i) => {
    if (l.trim() === '') return;
    let j: { id?: unknown; error?: unknown };
    try {
      j = JSON.parse(l) as { id?: unknown; error?: unknown };
    } catch {
      throw new SemanticFlowError(
        'bad-input',
        `${path} line ${i + 1} is not JSON, so the batch cannot resume from it; fix or remove that line.`,
      );
    }
    if (j?.error !== undefined) errorLines++;
    else if (j?.id !== undefined) done.add(idKey(j.id));
  });
  return { done, errorLines, size, end };
}

/** Rewrites the file without its error lines (through a temporary file, so a kill leaves one or the other). */
function dropErrorLines(path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    scanLines(path, (l) => {
      if (l.trim() !== '' && (JSON.parse(l) as { error?: unknown }).error === undefined) writeSync(fd, l + '\n');
    });
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The folder must exist and OUT must not be one: those are mistakes in the command, not failures. */
function checkOutPath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir))
    throw new SemanticFlowError(
      'bad-argument',
      `The folder of \`--out ${path}\` does not exist (${dir}); create it or choose another path.`,
    );
  if (existsSync(path) && statSync(path).isDirectory())
    throw new SemanticFlowError(
      'bad-argument',
      `\`--out ${path}\` is a folder; give a file name such as ${join(path, 'results.jsonl')}.`,
    );
}

/**
 * Opens OUT for appending after reading which ids it already holds. A partially written last line (a
 * killed run) is cut off; error lines are removed so that their ids are scored again.
 */
export function openResumableOut(path: string): BatchOut {
  checkOutPath(path);
  let done = new Set<string>();
  let discardedBytes = 0,
    retried = 0;
  if (existsSync(path)) {
    const found = readDone(path);
    done = found.done;
    if (found.end < found.size) {
      discardedBytes = found.size - found.end;
      truncateSync(path, found.end);
    }
    if (found.errorLines > 0) {
      dropErrorLines(path);
      retried = found.errorLines;
    }
  }
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (e) {
    throw new SemanticFlowError('bad-argument', `Cannot write \`--out ${path}\`: ${(e as Error).message}.`);
  }
  return {
    done,
    retried,
    discardedBytes,
    append(line: string) {
      writeSync(fd, line.endsWith('\n') ? line : line + '\n');
    },
    drained: () => Promise.resolve(),
    close() {
      closeSync(fd);
    },
  };
}

/**
 * `--out -`: results on standard output, in input order; nothing is skipped. A slow reader holds the
 * batch back (drained) instead of letting Node buffer every result it has not taken yet.
 */
export function stdoutOut(stdout: DrainableOut, signal?: AbortSignal): BatchOut {
  const out = withBackPressure(stdout, signal);
  return {
    done: new Set(),
    retried: 0,
    discardedBytes: 0,
    append: (line) => void out.write(line.endsWith('\n') ? line : line + '\n'),
    drained: out.drained,
    close: () => {},
  };
}

/** True when both paths name one existing file (`--out` equal to the input would be overwritten while read). */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a),
      y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
