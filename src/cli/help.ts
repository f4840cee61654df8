/** `semantic-flow help [COMMAND]`, generated from each command's flag spec. */
import type { FlagSpec, FlagSpecs } from './args';
import type { CliCommand } from './command';

const WIDTH = 100;

/** Words wrapped to `width` columns, later lines indented by `indent`. */
function wrap(text: string, indent: number, first: number): string[] {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

const n = (v: number) => v.toLocaleString('en-US');

function valueName(spec: FlagSpec): string {
  if (spec.type === 'boolean') return '';
  if (spec.type === 'string' && spec.choices && !spec.value) return ` ${spec.choices.join('|')}`;
  return ` ${spec.value ?? 'VALUE'}`;
}

function facts(spec: FlagSpec): string {
  const parts: string[] = [];
  if (spec.type === 'int') parts.push(spec.max === undefined ? spec.range : `${n(spec.min)}–${n(spec.max)}`);
  if (spec.type === 'string' && spec.choices && spec.value) parts.push(spec.choices.join('|'));
  if (spec.type !== 'boolean' && spec.default !== undefined)
    parts.push(`default ${typeof spec.default === 'number' ? n(spec.default) : spec.default}`);
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

export function optionLines(specs: FlagSpecs): string[] {
  const heads = Object.entries(specs).map(([name, spec]) => `  --${name}${valueName(spec)}`);
  const col = Math.min(30, Math.max(...heads.map((h) => h.length)) + 2);
  return Object.values(specs).flatMap((spec, i) => {
    const head = heads[i];
    const body = spec.help + facts(spec);
    return head.length + 1 >= col
      ? [head, ...wrap(body, col, col).map((l, j) => (j === 0 ? ' '.repeat(col) + l : l))]
      : wrap(body, col, col).map((l, j) => (j === 0 ? head.padEnd(col) + l : l));
  });
}

export function commandHelp(c: CliCommand): string {
  return [
    `Usage: semantic-flow ${c.name} [options]${c.args ? ` ${c.args}` : ''}`,
    '',
    ...wrap(c.summary, 0, 0),
    '',
    'Options:',
    ...optionLines(c.flags),
    ...(c.notes ? ['', ...c.notes.split('\n\n').flatMap((p, i) => [...(i ? [''] : []), ...wrap(p, 0, 0)])] : []),
    '',
  ].join('\n');
}

export function generalHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'semantic-flow: how information flows through a language model, token by token, in bits.',
    '',
    'Usage: semantic-flow <command> [options]',
    '',
    ...commands.flatMap((c) =>
      wrap(c.summary, width + 4, width + 4).map((l, i) => (i === 0 ? `  ${c.name.padEnd(width)}  ${l}` : l)),
    ),
    '',
    "Run `semantic-flow help <command>` for a command's options. With no --model, the built-in model semantic-flow-mini is used.",
    '',
  ].join('\n');
}
