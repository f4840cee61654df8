/**
 * The typed flag spec and the argv parser. A command declares each flag once (type, range, default,
 * help); parseArgs validates against it and `help` prints it, so no flag can be parsed yet undocumented.
 */
import { SemanticFlowError } from '../core/errors';

interface Described {
  /** What the flag does, for `semantic-flow help COMMAND`. */
  help: string;
}
export interface BooleanFlag extends Described {
  type: 'boolean';
}
export interface StringFlag<C extends string = string> extends Described {
  type: 'string';
  /** The value's name in help (`--model DIR|ID`); choices print themselves. */
  value?: string;
  choices?: readonly C[];
  default?: C;
}
interface IntBase extends Described {
  type: 'int';
  value: string;
  min: number;
  default?: number;
}
/** `max` is absent when the bound is known only later (--stride: the model's context window); `range` then says it. */
export type IntFlag = IntBase & ({ max: number; range?: undefined } | { max?: undefined; range: string });
export interface PositiveFlag extends Described {
  type: 'positive';
  value: string;
  default?: number;
}
export type FlagSpec = BooleanFlag | StringFlag | IntFlag | PositiveFlag;
export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<F> = F extends BooleanFlag
  ? boolean
  : F extends IntFlag | PositiveFlag
    ? number
    : F extends { choices: readonly (infer C)[] }
      ? C
      : string;
/** Parsed flags typed by their spec: a flag with a default always has a value. */
export type Flags<S extends FlagSpecs> = {
  [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

/** Declares a spec with its literal types kept, so that parseArgs can type the values. */
export const flagSpecs = <S extends FlagSpecs>(s: S): S => s;

export interface ParsedArgs<S extends FlagSpecs> {
  flags: Flags<S>;
  positionals: string[];
}

const wholeNumber = (n: number) => n.toLocaleString('en-US');

/** The range message, shared with checks that know their bound only later (a model's context window). */
export function outOfRange(name: string, raw: unknown, min: number, max: number, why = ''): SemanticFlowError {
  return new SemanticFlowError(
    'bad-argument',
    `Option \`--${name}\` takes a whole number from ${wholeNumber(min)} to ${wholeNumber(max)}${why}, not \`${String(raw)}\`.`,
  );
}

function flagValue(name: string, spec: FlagSpec, raw: string): string | number {
  if (spec.type === 'int') {
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (spec.max !== undefined && !(Number.isInteger(v) && v >= spec.min && v <= spec.max))
      throw outOfRange(name, raw, spec.min, spec.max);
    if (!Number.isInteger(v))
      throw new SemanticFlowError(
        'bad-argument',
        `Option \`--${name}\` takes a whole number (${spec.range}), not \`${raw}\`.`,
      );
    return v;
  }
  if (spec.type === 'positive') {
    const v = Number(raw);
    if (!(v > 0) || !Number.isFinite(v))
      throw new SemanticFlowError('bad-argument', `Option \`--${name}\` takes a positive number, not \`${raw}\`.`);
    return v;
  }
  if (spec.type === 'string' && spec.choices && !spec.choices.includes(raw)) {
    throw new SemanticFlowError(
      'bad-argument',
      `Invalid value \`${raw}\` for \`--${name}\`. Should be one of: ${spec.choices.join(', ')}.`,
    );
  }
  return raw;
}

/** Declared flags only, `--flag value` or `--flag=value`; everything after `--` is positional. */
export function parseArgs<S extends FlagSpecs>(argv: readonly string[], specs: S, command: string): ParsedArgs<S> {
  const flags: Record<string, string | number | boolean | undefined> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) {
      throw new SemanticFlowError(
        'bad-argument',
        `Unknown option \`--${name}\` for \`${command}\`. Run \`semantic-flow help ${command}\` for the options.`,
      );
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
    flags[name] = flagValue(name, spec, raw);
  }
  for (const [name, spec] of Object.entries(specs))
    if (flags[name] === undefined && 'default' in spec && spec.default !== undefined) flags[name] = spec.default;
  return { flags: flags as Flags<S>, positionals };
}
