/** Reads the text to analyze from a file or standard input, refusing what cannot be text. */
import { readFileSync, statSync } from 'node:fs';
import { SemanticFlowError } from '../core/errors';

export const DEFAULT_MAX_INPUT_BYTES = 5 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes as UTF-8 text, or throws a clear `bad-input` error for binary, non-UTF-8 or empty input. */
function tooLarge(name: string, bytes: number, maxBytes: number): SemanticFlowError {
  const mb = (n: number) => (n / 1048576).toFixed(1);
  return new SemanticFlowError('too-large', `${name} is ${mb(bytes)} MB, above the limit of ${mb(maxBytes)} MB (raise it with --max-bytes).`);
}

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
  readStdin(): Promise<Uint8Array>;
}

/** Text from FILE, `-` (stdin) or a literal given with --text. */
export async function readInput(path: string | undefined, io: InputSource, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<{ text: string; name: string }> {
  if (path === undefined || path === '-') {
    return { text: decodeText(await io.readStdin(), 'Standard input', maxBytes), name: '-' };
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
