/** A small argv parser: declared flags only, `--flag value` or `--flag=value`, clear errors. */
import { SemanticFlowError } from '../core/errors';

export type FlagSpec = { type: 'string' | 'number' | 'boolean'; multiple?: boolean; choices?: readonly string[] };
export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags = Record<string, string | number | boolean | (string | number)[] | undefined>;

export interface ParsedArgs {
  flags: ParsedFlags;
  positionals: string[];
}

export function parseArgs(argv: readonly string[], specs: FlagSpecs, command: string): ParsedArgs {
  const flags: ParsedFlags = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('--') || a === '-') { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      throw new SemanticFlowError('bad-argument', `Unknown option \`--${name}\` for \`${command}\`. Run \`semantic-flow help ${command}\` for the options.`);
    }
    let raw: string | undefined = eq >= 0 ? a.slice(eq + 1) : undefined;
    if (spec.type === 'boolean') {
      flags[name] = raw === undefined ? true : !/^(false|0|no)$/i.test(raw);
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) throw new SemanticFlowError('bad-argument', `Option \`--${name}\` needs a value.`);
    }
    let value: string | number = raw;
    if (spec.type === 'number') {
      value = Number(raw);
      if (!Number.isFinite(value)) throw new SemanticFlowError('bad-argument', `Option \`--${name}\` takes a number, not \`${raw}\`.`);
    } else if (spec.choices && !spec.choices.includes(raw)) {
      throw new SemanticFlowError('bad-argument', `Invalid value \`${raw}\` for \`--${name}\`. Should be one of: ${spec.choices.join(', ')}.`);
    }
    if (spec.multiple) ((flags[name] ??= []) as (string | number)[]).push(value);
    else flags[name] = value;
  }
  return { flags, positionals };
}

export function intFlag(flags: ParsedFlags, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new SemanticFlowError('bad-argument', `Option \`--${name}\` takes a whole number from ${min} to ${max}, not \`${String(v)}\`.`);
  }
  return v;
}
