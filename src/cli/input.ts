/** Reads the text to analyze from a file or standard input, refusing what cannot be text. */
import { readFileSync, statSync } from 'node:fs';
import { SemanticFlowError } from '../core/errors';

export const DEFAULT_MAX_INPUT_BYTES = 5 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Exact byte counts (a size rounded to 0.1 MB would read "0.0 MB, above the limit of 0.0 MB" for small limits). */
function tooLarge(name: string, bytes: number, maxBytes: number): SemanticFlowError {
  const n = (v: number) => v.toLocaleString('en-US');
  return new SemanticFlowError('too-large', `${name} is ${n(bytes)} bytes, above the limit of ${n(maxBytes)} bytes (raise it with --max-bytes).`);
}

/** Decodes bytes as UTF-8 text, or throws a clear `bad-input` error for binary, non-UTF-8 or empty input. */
export function decodeText(bytes: Uint8Array, name: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): string {
  if (bytes.length > maxBytes) throw tooLarge(name, bytes.length, maxBytes);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new SemanticFlowError('bad-input', `${name} looks like a binary file (it contains a NUL byte at offset ${nul}); only text can be analyzed.`);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new SemanticFlowError('bad-input', `${name} is not valid UTF-8 text; convert it to UTF-8 first.`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) throw new SemanticFlowError('bad-input', `${name} is empty: there is no text to analyze.`);
  return text;
}

export interface InputSource {
  readStdin(maxBytes?: number): Promise<Uint8Array>;
}

/** Text from FILE, `-` (stdin) or a literal given with --text. */
export async function readInput(path: string | undefined, io: InputSource, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<{ text: string; name: string }> {
  if (path === undefined || path === '-') {
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
