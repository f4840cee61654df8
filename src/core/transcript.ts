/**
 * A chat transcript from text: a JSON array of messages, an object with `messages`, JSON Lines (one
 * message per line), or Markdown whose turns start with `User:`, `Assistant:` or `System:` lines. Messages
 * are `{ role, content }` with role user, assistant or system; content a string or OpenAI-style text parts.
 */
import type { ChatMessage } from './directedInput';
import { SemanticFlowError } from './errors';

const ROLES: readonly string[] = ['user', 'assistant', 'system'];

const bad = (why: string): SemanticFlowError => new SemanticFlowError('bad-input', `The transcript ${why}`);

function contentOf(c: unknown, at: string): string {
  if (typeof c === 'string') return c;
  if (
    Array.isArray(c) &&
    c.every(
      (p) =>
        typeof p === 'object' &&
        p !== null &&
        (p as { type?: unknown }).type === 'text' &&
        typeof (p as { text?: unknown }).text === 'string',
    )
  ) {
    return c.map((p) => (p as { text: string }).text).join('');
  }
  throw bad(`has a message whose content is not text (${at}); give "content" as a string.`);
}

function messageOf(m: unknown, at: string): ChatMessage {
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw bad(`has an entry that is not a message object (${at}); each message is {"role": …, "content": …}.`);
  const { role, content } = m as { role?: unknown; content?: unknown };
  if (typeof role !== 'string' || !ROLES.includes(role))
    throw bad(`has a message with role ${JSON.stringify(role)} (${at}); roles are user, assistant and system.`);
  return { role, content: contentOf(content, at) };
}

function fromJson(text: string): ChatMessage[] | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const list = Array.isArray(v)
    ? v
    : typeof v === 'object' && v !== null && Array.isArray((v as { messages?: unknown }).messages)
      ? (v as { messages: unknown[] }).messages
      : null;
  if (!list) throw bad('is JSON but neither an array of messages nor an object with "messages".');
  return list.map((m, i) => messageOf(m, `message ${i + 1}`));
}

function fromJsonLines(text: string): ChatMessage[] | null {
  const lines = text
    .split(/\r?\n/)
    .map((l, i) => ({ l: l.trim(), n: i + 1 }))
    .filter((x) => x.l.length > 0);
  if (lines.length === 0 || !lines.every((x) => x.l.startsWith('{'))) return null;
  return lines.map(({ l, n }) => {
    try {
      return messageOf(JSON.parse(l), `line ${n}`);
    } catch (e) {
      if (e instanceof SemanticFlowError) throw e;
      throw bad(`line ${n} is not valid JSON (${(e as Error).message}).`);
    }
  });
}

/** A Markdown turn marker: `User:`, `**Assistant:**`, `## System:` (any case), and the text after it. */
const MARKER = /^\s*(?:#{1,6}\s*)?(?:\*\*)?(user|assistant|system)(?:\*\*)?\s*:(?:\*\*)?[ \t]?(.*)$/i;

function fromMarkdown(text: string): ChatMessage[] {
  const out: { role: string; lines: string[] }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = MARKER.exec(line);
    if (m) out.push({ role: m[1].toLowerCase(), lines: [m[2]] });
    else if (out.length > 0) out[out.length - 1].lines.push(line);
    else if (line.trim().length > 0)
      throw bad(
        `has text before its first turn (line ${i + 1}); start each turn with a line "User:", "Assistant:" or "System:".`,
      );
  });
  return out.map((m) => ({ role: m.role, content: m.lines.join('\n').trim() }));
}

/** Parses a transcript and checks it has a turn from each side. */
export function parseTranscript(text: string): ChatMessage[] {
  const messages = fromJson(text) ?? fromJsonLines(text) ?? fromMarkdown(text);
  if (messages.length === 0)
    throw bad('has no messages: give JSON messages or Markdown turns starting with "User:" / "Assistant:".');
  for (const side of ['user', 'assistant']) {
    if (!messages.some((m) => m.role === side && m.content.length > 0))
      throw bad(`has no ${side} turn with text: directed information in a dialogue needs both sides.`);
  }
  return messages;
}
