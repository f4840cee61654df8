/**
 * The files of `batch`: the JSONL input (one `{id, text}` or `{id, prompt, response}` per line, bad lines
 * reported by number) and the resumable JSONL output (ids already written are skipped; a partially
 * written last line, from a run that was killed, is cut off before appending).
 */
import { closeSync, existsSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { SemanticFlowError } from '../core/errors';

export type BatchId = string | number;

export type BatchItem =
  | { line: number; id: BatchId; kind: 'text'; text: string }
  | { line: number; id: BatchId; kind: 'di'; prompt: string; response: string };

export interface BadLine {
  line: number;
  reason: string;
}

/** Identity of an id across runs (1 and "1" differ). */
export const idKey = (id: unknown): string => JSON.stringify(id);

export function parseBatchInput(text: string): { items: BatchItem[]; bad: BadLine[] } {
  const items: BatchItem[] = [];
  const bad: BadLine[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      bad.push({ line, reason: 'not JSON' });
      return;
    }
    if (typeof j !== 'object' || j === null || Array.isArray(j)) return void bad.push({ line, reason: 'not a JSON object' });
    const id = j.id;
    if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) return void bad.push({ line, reason: 'needs an "id" (string or number)' });
    if (seen.has(idKey(id))) return void bad.push({ line, reason: `duplicate id ${idKey(id)}` });
    if (typeof j.text === 'string') {
      if (j.text.length === 0) return void bad.push({ line, reason: '"text" is empty' });
      seen.add(idKey(id));
      items.push({ line, id, kind: 'text', text: j.text });
    } else if (typeof j.prompt === 'string' && typeof j.response === 'string') {
      if (j.prompt.length === 0 || j.response.length === 0) return void bad.push({ line, reason: '"prompt" and "response" must not be empty' });
      seen.add(idKey(id));
      items.push({ line, id, kind: 'di', prompt: j.prompt, response: j.response });
    } else {
      bad.push({ line, reason: 'needs "text", or "prompt" and "response" (strings)' });
    }
  });
  return { items, bad };
}

export interface ResumableOut {
  /** Keys (idKey) of the ids already in the file. */
  done: Set<string>;
  /** Bytes of a partial last line that were cut off (0 when the file ended cleanly). */
  discardedBytes: number;
  append(line: string): void;
  close(): void;
}

/** Opens OUT for appending after reading which ids it already holds. */
export function openResumableOut(path: string): ResumableOut {
  const done = new Set<string>();
  let discardedBytes = 0;
  if (existsSync(path)) {
    const buf = readFileSync(path);
    const lastNl = buf.lastIndexOf(0x0a);
    const keep = lastNl + 1;
    if (keep < buf.length) {
      discardedBytes = buf.length - keep;
      truncateSync(path, keep);
    }
    const lines = buf.subarray(0, keep).toString('utf8').split('\n');
    lines.pop();
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      let j: { id?: unknown };
      try {
        j = JSON.parse(l) as { id?: unknown };
      } catch {
        throw new SemanticFlowError('bad-input', `${path} line ${i + 1} is not JSON, so the batch cannot resume from it; fix or remove that line.`);
      }
      if (j && j.id !== undefined) done.add(idKey(j.id));
    });
  }
  const fd = openSync(path, 'a');
  return {
    done,
    discardedBytes,
    append(line: string) {
      writeSync(fd, line.endsWith('\n') ? line : line + '\n');
    },
    close() {
      closeSync(fd);
    },
  };
}
