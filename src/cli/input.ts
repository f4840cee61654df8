/** Reads the text to analyze from a file or standard input, refusing what cannot be text. */
import { readFileSync, statSync } from 'node:fs';
import { SemanticFlowError } from '../core/errors';

export const DEFAULT_MAX_INPUT_BYTES = 5 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Exact byte counts (a size rounded to 0.1 MB would read "0.0 MB, above the limit of 0.0 MB" for small limits). */
function tooLarge(name: string, bytes: number, maxBytes: number): SemanticFlowError {
  const n = (v: number) => v.toLocaleString('en-US');
  return new SemanticFlowError(
    'too-large',
    `${name} is ${n(bytes)} bytes, above the limit of ${n(maxBytes)} bytes (raise it with --max-bytes).`,
  );
}

/** UTF-16 by its byte-order mark (what Windows editors write as "Unicode"). */
function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/** UTF-16 without a byte-order mark: NUL bytes in most odd (LE) or even (BE) places of Latin text. */
function looksLikeUtf16(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096) & ~1;
  let even = 0,
    odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  return n >= 4 && Math.max(even, odd) >= 0.4 * (n / 2) && Math.min(even, odd) === 0;
}

function decodeStrict(bytes: Uint8Array, name: string): string {
  const utf16 = utf16Encoding(bytes);
  if (utf16) {
    try {
      return new TextDecoder(utf16, { fatal: true }).decode(bytes.subarray(2));
    } catch {
      throw new SemanticFlowError(
        'bad-input',
        `${name} starts with a UTF-16 byte-order mark but is not valid UTF-16 text.`,
      );
    }
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0 && looksLikeUtf16(bytes)) {
    throw new SemanticFlowError(
      'bad-input',
      `${name} looks like UTF-16 text without a byte-order mark; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8).`,
    );
  }
  if (nul >= 0)
    throw new SemanticFlowError(
      'bad-input',
      `${name} looks like a binary file (it contains a NUL byte at offset ${nul}); only text can be analyzed.`,
    );
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new SemanticFlowError('bad-input', `${name} is not valid UTF-8 text; convert it to UTF-8 first.`);
  }
}

/**
 * Decodes bytes as text (UTF-8, or UTF-16 with a byte-order mark), or throws a clear `bad-input`
 * error for binary, undecodable or empty input.
 */
export function decodeText(bytes: Uint8Array, name: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): string {
  if (bytes.length > maxBytes) throw tooLarge(name, bytes.length, maxBytes);
  const text = decodeStrict(bytes, name);
  if (text.length === 0) throw new SemanticFlowError('bad-input', `${name} is empty: there is no text to analyze.`);
  return text;
}

export interface InputSource {
  readStdin(maxBytes?: number): Promise<Uint8Array>;
  /** Standard input is a terminal: reading it waits for the user to type. */
  stdinIsTTY?: boolean;
  stderr?: { write(s: string): unknown };
}

const STDIN_HINT =
  'semantic-flow: reading the text from the terminal; end it with Ctrl+D (Ctrl+Z then Enter on Windows), or give a FILE.\n';

/** Text from FILE or `-` (standard input). */
export async function readInput(
  path: string | undefined,
  io: InputSource,
  maxBytes = DEFAULT_MAX_INPUT_BYTES,
): Promise<{ text: string; name: string }> {
  if (path === undefined || path === '-') {
    if (io.stdinIsTTY) io.stderr?.write(STDIN_HINT);
    return { text: decodeText(await io.readStdin(maxBytes), 'Standard input', maxBytes), name: '-' };
  }
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new SemanticFlowError('bad-input', `File not found: ${path}.`);
  }
  if (st.isDirectory()) throw new SemanticFlowError('bad-input', `${path} is a folder; give a text file.`);
  if (st.size > maxBytes) throw tooLarge(path, st.size, maxBytes);
  return { text: decodeText(readFileSync(path), path, maxBytes), name: path };
}
