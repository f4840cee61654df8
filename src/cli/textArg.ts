/** An option value that names an existing file is read from it; anything else is the text itself. */
import { existsSync, statSync } from 'node:fs';
import { SemanticFlowError } from '../core/errors';
import { readInput, type InputSource } from './input';

export async function textOrFile(value: string | undefined, option: string, io: InputSource, maxBytes?: number): Promise<string> {
  if (value === undefined) throw new SemanticFlowError('bad-argument', `Option \`--${option}\` is required (a file or the text itself).`);
  if (value === '-') return (await readInput('-', io, maxBytes)).text;
  let isFile = false;
  try {
    isFile = existsSync(value) && statSync(value).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) return (await readInput(value, io, maxBytes)).text;
  if (value.length === 0) throw new SemanticFlowError('bad-argument', `Option \`--${option}\` is empty.`);
  return value;
}
