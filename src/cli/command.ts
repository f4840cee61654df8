import type { FlagSpecs } from './args';
import type { CliIo } from './io';

/** One CLI subcommand: what `help` shows (generated from `flags`) and what it does. Returns the exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  /** The positional arguments as usage shows them, e.g. `[FILE|-]`. */
  args: string;
  flags: FlagSpecs;
  /** Paragraphs after the options (blank-line separated): what values mean, environment variables. */
  notes?: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
