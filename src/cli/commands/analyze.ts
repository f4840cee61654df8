/** `semantic-flow analyze [FILE|-]`: per-token information of a text, in bits. */
import { SemanticFlowError } from '../../core/errors';
import { flagSpecs, outOfRange, parseArgs } from '../args';
import { readInput } from '../input';
import type { CliIo } from '../io';
import { engineFlags, loadLanguageModelFromFlags } from '../remoteOptions';
import { OUTPUT_FORMATS, csvWriter, tableWriter, toCsv, toJson, toTable } from '../output';
import { jsonWriter } from '../../core/resultWriter';
import { SCHEMA_VERSION } from '../../core/result';
import { progressLine } from '../progress';
import { withBackPressure } from '../backPressure';
import { outputWidth } from '../columns';
import { scoringFlags } from '../scoringFlags';
import { favourMemoryForLongText } from '../longRunHeap';
import type { CliCommand } from '../command';

const FLAGS = flagSpecs({
  ...engineFlags,
  ...scoringFlags,
  format: {
    type: 'string',
    choices: OUTPUT_FORMATS,
    help: 'table (coloured by surprisal), json (the result object) or csv (one row per token); default: table on a terminal, json otherwise',
  },
  units: { type: 'boolean', help: "add word and line aggregates (a unit's bits are the sum over its tokens)" },
  stride: {
    type: 'int',
    value: 'N',
    min: 1,
    range: "1 to the model's context window − 1",
    help: 'new tokens per sliding window past the context window (default: half the window); see below',
  },
  color: {
    type: 'boolean',
    help: 'colour the table (default: on a terminal unless $NO_COLOR is set; --color=false turns it off)',
  },
});

/** --stride must leave context in each window: 1 to W − 1, W known once the model is loaded. */
function checkStride(
  stride: number | undefined,
  info: { id: string; contextWindow: number | null },
): number | undefined {
  const W = info.contextWindow;
  if (stride === undefined || (stride >= 1 && (W === null || stride <= W - 1))) return stride;
  if (W === null)
    throw new SemanticFlowError(
      'bad-argument',
      `Option \`--stride\` takes a whole number of 1 or more, not \`${stride}\`.`,
    );
  throw outOfRange('stride', stride, 1, W - 1, ` (${info.id}'s context window is ${W.toLocaleString('en-US')} tokens)`);
}

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: 'score a text token by token: surprisal, entropy, rank, top-k (bits)',
  args: '[FILE|-]',
  flags: FLAGS,
  notes:
    'FILE is read as UTF-8 (UTF-16 with a byte-order mark is decoded); - or no FILE reads standard input.\n\n' +
    "Stride: a text longer than the model's context window W is scored by sliding windows. Each window scores " +
    '--stride new tokens and gives them the W − stride tokens before them as context, so a smaller stride means more ' +
    'context per token and more forward passes (about W / stride times the work of one pass per W tokens). Tokens ' +
    'scored this way carry truncatedContext: true.\n\n' +
    "Table width: $COLUMNS when set, else the terminal's width (at least 73 columns: the numbers and 10 of " +
    'alternatives); piped or written to a file without $COLUMNS, lines are not cut (every top alternative shown, ' +
    'the summary on one line). COLUMNS=100 gives a fixed width anywhere.',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'analyze');
    if (positionals.length > 1)
      throw new SemanticFlowError(
        'bad-argument',
        `analyze takes one FILE (or - for standard input), not ${positionals.length}.`,
      );
    const topK = flags['top-k'];
    const format = flags.format ?? (io.stdout.isTTY ? 'table' : 'json');
    const { text } = await readInput(positionals[0], io, flags['max-bytes']);
    // Before the model loads: V8 sets its next collection's threshold at each full collection, and loading
    // and tokenizing bring the first ones (cli/longRunHeap.ts).
    if (flags.units !== true) favourMemoryForLongText(text.length);
    const model = await loadLanguageModelFromFlags(flags, io, { topK });
    try {
      const stride = checkStride(flags.stride, model.info);
      const progress = progressLine(io, 'scoring');
      const units = flags.units === true;
      const table = { color: flags.color ?? (io.stdout.isTTY === true && !io.env.NO_COLOR), width: outputWidth(io) };
      // Without units each token is written as soon as it is scored and then dropped: memory stays that
      // of a chunk, not of the text. Units need every token, so that result is written at the end.
      const out = withBackPressure(io.stdout, io.signal);
      const writer = units
        ? null
        : format === 'json'
          ? jsonWriter(out)
          : format === 'csv'
            ? csvWriter(out)
            : tableWriter(out, table);
      let started = false;
      const start = () => {
        if (!started) writer?.head({ schemaVersion: SCHEMA_VERSION, model: model.info, text });
        started = true;
      };
      const result = await model.analyze(text, {
        topK,
        chunkSize: flags['chunk-size'],
        stride,
        units,
        keepTokens: units,
        untilConsumed: out.drained,
        signal: io.signal,
        onProgress: (p) => progress.update(p.doneTokens, p.totalTokens),
        onToken: writer
          ? (t) => {
              progress.clear();
              start();
              writer.token(t);
            }
          : undefined,
      });
      progress.done();
      if (writer) {
        start();
        writer.tail(result);
      } else
        io.stdout.write(format === 'json' ? toJson(result) : format === 'csv' ? toCsv(result) : toTable(result, table));
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
