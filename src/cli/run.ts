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
import { dialogueCommand } from './commands/dialogue';
import { generateCommand } from './commands/generate';
import { flowCommand } from './commands/flow';
import { compareCommand } from './commands/compare';
import { modelsCommand } from './commands/models';
import { rateDistortionCommand } from './commands/rateDistortion';
import type { CliIo } from './io';
import { commandHelp, generalHelp } from './help';

export const COMMANDS: CliCommand[] = [
  analyzeCommand,
  batchCommand,
  serveCommand,
  diCommand,
  dialogueCommand,
  generateCommand,
  flowCommand,
  compareCommand,
  rateDistortionCommand,
  modelsCommand,
];

function unknownCommand(name: string, io: CliIo): number {
  io.stderr.write(`semantic-flow: unknown command \`${name}\`. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.\n`);
  return 2;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    if (rest[0] === undefined) {
      io.stdout.write(generalHelp(COMMANDS));
      return 0;
    }
    const c = COMMANDS.find((x) => x.name === rest[0]);
    if (!c) return unknownCommand(rest[0], io);
    io.stdout.write(commandHelp(c));
    return 0;
  }
  if (name === '--version') {
    io.stdout.write(`${(await import('../../package.json')).version}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return unknownCommand(name, io);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(command));
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
