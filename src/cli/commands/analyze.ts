/** `semantic-flow analyze [FILE|-]`: per-token information of a text, in bits. */
import { intFlag, parseArgs } from '../args';
import { readInput } from '../input';
import type { CliIo } from '../io';
import { engineFlags, loadLanguageModelFromFlags } from '../remoteOptions';
import { OUTPUT_FORMATS, toCsv, toJson, toTable, type OutputFormat } from '../output';
import { progressLine } from '../progress';
import type { CliCommand } from '../command';

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: 'score a text token by token: surprisal, entropy, rank, top-k (bits)',
  usage: 'semantic-flow analyze [--model DIR|ID | --endpoint URL [--remote-model M]] [--device D] [--dtype T] [--top-k K] [--format json|csv|table] [--units] [--chunk-size N] [--max-bytes N] [FILE|-]',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, {
      ...engineFlags,
      'top-k': { type: 'number' },
      format: { type: 'string', choices: OUTPUT_FORMATS },
      units: { type: 'boolean' },
      'chunk-size': { type: 'number' },
      stride: { type: 'number' },
      'max-bytes': { type: 'number' },
      color: { type: 'boolean' },
    }, 'analyze');
    if (positionals.length > 1) throw new (await import('../../core/errors')).SemanticFlowError('bad-argument', `analyze takes one FILE (or - for standard input), not ${positionals.length}.`);
    const topK = intFlag(flags, 'top-k', 5, 0, 100);
    const chunkSize = intFlag(flags, 'chunk-size', 128, 1, 8192);
    const format = (flags.format as OutputFormat | undefined) ?? (io.stdout.isTTY ? 'table' : 'json');
    const { text } = await readInput(positionals[0], io, intFlag(flags, 'max-bytes', 5 * 1024 * 1024, 1));
    const model = await loadLanguageModelFromFlags(flags, io, { topK });
    try {
      const progress = progressLine(io, 'scoring');
      const result = await model.analyze(text, {
        topK,
        chunkSize,
        stride: flags.stride === undefined ? undefined : intFlag(flags, 'stride', 1, 1),
        units: flags.units === true,
        signal: io.signal,
        onProgress: (p) => progress.update(p.doneTokens, p.totalTokens),
      });
      progress.done();
      io.stdout.write(format === 'json' ? toJson(result) : format === 'csv' ? toCsv(result) : toTable(result, { color: flags.color !== undefined ? flags.color === true : io.stdout.isTTY === true && !io.env.NO_COLOR }));
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
