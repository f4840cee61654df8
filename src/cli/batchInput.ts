/**
 * The input of `batch`: JSONL, one `{id, text}` or `{id, prompt, response}` per line; bad lines are
 * reported by number and skipped.
 */
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
    if (typeof j !== 'object' || j === null || Array.isArray(j))
      return void bad.push({ line, reason: 'not a JSON object' });
    const id = j.id;
    if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)))
      return void bad.push({ line, reason: 'needs an "id" (string or number)' });
    if (seen.has(idKey(id))) return void bad.push({ line, reason: `duplicate id ${idKey(id)}` });
    if (typeof j.text === 'string') {
      if (j.text.length === 0) return void bad.push({ line, reason: '"text" is empty' });
      seen.add(idKey(id));
      items.push({ line, id, kind: 'text', text: j.text });
    } else if (typeof j.prompt === 'string' && typeof j.response === 'string') {
      if (j.prompt.length === 0 || j.response.length === 0)
        return void bad.push({ line, reason: '"prompt" and "response" must not be empty' });
      seen.add(idKey(id));
      items.push({ line, id, kind: 'di', prompt: j.prompt, response: j.response });
    } else {
      bad.push({ line, reason: 'needs "text", or "prompt" and "response" (strings)' });
    }
  });
  return { items, bad };
}
