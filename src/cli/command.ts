import type { CliIo } from './io';

/** One CLI subcommand: its help text and what it does. Returns the exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
