/** An option value that names an existing file is read from it; anything else is the text itself. */
import { existsSync, statSync } from 'node:fs';
import { SemanticFlowError } from '../core/errors';
import { readInput, type InputSource } from './input';

/** One word with a path separator or a file extension: more likely a mistyped file name than a text. */
const looksLikePath = (v: string): boolean =>
  !/\s/.test(v) && (/[/\\]/.test(v) || /[^./\\]\.[A-Za-z0-9]{1,5}$/.test(v));

export async function textOrFile(
  value: string | undefined,
  option: string,
  io: InputSource & { stderr: { write(s: string): unknown } },
  maxBytes?: number,
): Promise<string> {
  if (value === undefined)
    throw new SemanticFlowError('bad-argument', `Option \`--${option}\` is required (a file or the text itself).`);
  if (value === '-') return (await readInput('-', io, maxBytes)).text;
  let isFile = false;
  try {
    isFile = existsSync(value) && statSync(value).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) return (await readInput(value, io, maxBytes)).text;
  if (value.length === 0) throw new SemanticFlowError('bad-argument', `Option \`--${option}\` is empty.`);
  if (looksLikePath(value))
    io.stderr.write(
      `semantic-flow: warning: --${option} ${value} is not a file here, so it is used as the text itself.\n`,
    );
  return value;
}
