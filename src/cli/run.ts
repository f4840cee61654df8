/**
 * `run(argv, io)`: the whole CLI as a function returning the exit code. User errors print one line on
 * stderr and exit 2; unexpected errors exit 1 (with the stack when SEMANTIC_FLOW_DEBUG is set).
 */
import { isSemanticFlowError } from '../core/errors';
import type { CliCommand } from './command';
import { analyzeCommand } from './commands/analyze';
import { batchCommand } from './commands/batch';
import { serveCommand } from './commands/serve';
import { diCommand } from './commands/di';
import { generateCommand } from './commands/generate';
import { flowCommand } from './commands/flow';
import { compareCommand } from './commands/compare';
import { modelsCommand } from './commands/models';
import { rateDistortionCommand } from './commands/rateDistortion';
import type { CliIo } from './io';

export const COMMANDS: CliCommand[] = [analyzeCommand, batchCommand, serveCommand, diCommand, generateCommand, flowCommand, compareCommand, rateDistortionCommand, modelsCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'semantic-flow: how information flows through a language model, token by token, in bits.',
    '',
    'Usage: semantic-flow <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `semantic-flow help <command>` for a command\'s options. With no --model, the built-in model semantic-flow-mini is used.',
    '',
  ].join('\n');
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const c = COMMANDS.find((x) => x.name === rest[0]);
    io.stdout.write(c ? `${c.usage}\n\n${c.summary}\n` : help());
    return 0;
  }
  if (name === '--version') {
    io.stdout.write(`${(await import('../../package.json')).version}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`semantic-flow: unknown command \`${name}\`. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (isSemanticFlowError(e)) {
      if (e.code === 'cancelled') {
        io.stderr.write('semantic-flow: cancelled.\n');
        return 130;
      }
      io.stderr.write(`semantic-flow: ${e.message}\n`);
      return 2;
    }
    const err = e as Error;
    io.stderr.write(`semantic-flow: unexpected error: ${String(err?.message ?? err).split('\n')[0]}\n`);
    if (io.env.SEMANTIC_FLOW_DEBUG) io.stderr.write(`${err?.stack ?? ''}\n`);
    return 1;
  }
}
