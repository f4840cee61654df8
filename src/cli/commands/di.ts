/** `semantic-flow di`: directed information from a prompt to a response, token by token, in bits. */
import { SemanticFlowError } from '../../core/errors';
import { directedInformation } from '../../core/directedInformation';
import type { BaselineKind } from '../../core/directedInput';
import type { AnalysisResult } from '../../core/result';
import { flagSpecs, parseArgs } from '../args';
import { fitLine, num, outputWidth, row, tokenCell } from '../columns';
import type { CliCommand } from '../command';
import type { CliIo } from '../io';
import { loadModelFromFlags, modelFlags } from '../modelOptions';
import { scoringFlags } from '../scoringFlags';
import { toJson } from '../output';
import { progressLine } from '../progress';
import { textOrFile } from '../textArg';
import { redoOnCpu } from '../../engines/onnx/deviceFailure';

export const FLOW_FORMATS = ['json', 'table'] as const;
export const BASELINES = ['bos', 'neutral', 'text'] as const;

export const formatFlag = {
  type: 'string',
  choices: FLOW_FORMATS,
  help: 'table or json (the result object); default: table on a terminal, json otherwise',
} as const;

/** The baseline p~ that iota and KL compare with, shared by di and generate. */
export const baselineFlags = flagSpecs({
  baseline: {
    type: 'string',
    choices: BASELINES,
    help: 'what the response is compared with: bos (no prompt), neutral (a newline) or text (--baseline-text); default bos',
  },
  'baseline-text': { type: 'string', value: 'FILE|TEXT', help: 'the baseline prompt for --baseline text (implies it)' },
});

/** --baseline and --baseline-text together; a baseline text alone means `--baseline text`, neither means `fallback`. */
export async function baselineFromFlags<K extends BaselineKind = BaselineKind>(
  flags: { baseline?: K; 'baseline-text'?: string },
  io: CliIo,
  fallback: K = 'bos' as K,
): Promise<{ baseline: K; baselineText?: string }> {
  const given = flags['baseline-text'];
  const baseline: K = flags.baseline ?? (given !== undefined ? ('text' as K) : fallback);
  if (baseline === 'text') {
    if (given === undefined)
      throw new SemanticFlowError('bad-argument', '`--baseline text` needs `--baseline-text FILE|TEXT`.');
    return { baseline, baselineText: await textOrFile(given, 'baseline-text', io) };
  }
  if (given !== undefined)
    throw new SemanticFlowError(
      'bad-argument',
      `\`--baseline-text\` goes with \`--baseline text\`, not \`--baseline ${baseline}\`.`,
    );
  return { baseline };
}

export function formatOf(flags: { format?: 'json' | 'table' }, io: CliIo): 'json' | 'table' {
  return flags.format ?? (io.stdout.isTTY ? 'table' : 'json');
}

/**
 * What goes between --prompt and --response: --join as given (`\n` and `\t` read as a line break and a tab),
 * else a line break where neither side has white space at the cut, so that the last word of the prompt
 * and the first of the response are not read as one word ("…France?The capital").
 */
export function promptJoin(prompt: string, response: string, join: string | undefined): string {
  if (join !== undefined) return join.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  return /\s$/.test(prompt) || /^\s/.test(response) ? '' : '\n';
}

export function diTable(r: AnalysisResult, width = Infinity): string {
  const di = r.di!;
  const w = [5, 18, 9, 9, 9, 9, 7, 9, 9];
  const right = [false, false, true, true, true, true, true, true, true];
  const lines = [row(['#', 'token', 'iota', 'KL', 'A', 'M', 'z', 's', 's~'], w, right)];
  for (const t of di.tokens) {
    lines.push(
      row(
        [
          String(t.index),
          tokenCell(t.text, 18),
          num(t.iotaBits, 3),
          num(t.klBits, 3),
          num(t.compensatorBits),
          num(t.residualBits),
          num(t.z),
          num(t.surprisalBits),
          num(t.baselineSurprisalBits),
        ],
        w,
        right,
      ) + (t.truncatedContext ? ' (window)' : ''),
    );
  }
  const base =
    di.baseline === 'bos'
      ? 'BOS (empty context)'
      : di.baseline === 'neutral'
        ? `neutral ${JSON.stringify(di.baselineText)}`
        : `text ${JSON.stringify((di.baselineText ?? '').slice(0, 40))}`;
  const chat = di.chat
    ? `; chat template of ${r.model.id} applied to ${di.chat.messages.map((m) => m.role).join(', ')}: the response is the assistant turn`
    : '';
  const footer = [
    '',
    'bits: iota = log2 p(y|x,y<t) − log2 p~(y|y<t); KL = KL(p || p~); A = Σ KL (compensator); M = Σ iota − A; s, s~ = surprisal with prompt / baseline',
    `model ${r.model.id} on ${r.model.device} (${r.model.dtype}); baseline ${base}${chat}`,
    `${di.tokens.length} response tokens after ${di.promptTokenIds.length} prompt tokens${di.cutInsideToken ? ' (the first response token starts inside the prompt: BPE merged across the cut)' : ''}`,
    `directed information Σ iota = ${num(di.totalBits, 3)} bits; compensator A = ${num(di.totalKlBits, 3)} bits; residual M = ${num(di.totalResidualBits, 3)} bits (z = ${num(di.finalZ)})`,
    `response surprisal: ${num(di.promptedResponseBits, 2)} bits with the prompt, ${num(di.baselineResponseBits, 2)} bits with the baseline`,
  ];
  return [...lines, ...footer.flatMap((l) => fitLine(l, width))].join('\n') + '\n';
}

const FLAGS = flagSpecs({
  prompt: {
    type: 'string',
    value: 'FILE|TEXT',
    help: 'the prompt x: a file, - for standard input, or the text itself',
  },
  response: {
    type: 'string',
    value: 'FILE|TEXT',
    help: 'the response y scored after the prompt: a file, -, or the text itself',
  },
  chat: {
    type: 'boolean',
    help: "an instruction-tuned model's turns: the prompt as the user message, the response as the assistant's, through the model's chat template",
  },
  system: { type: 'string', value: 'FILE|TEXT', help: 'with --chat: a system message before the user message' },
  join: {
    type: 'string',
    value: 'TEXT',
    help: "put between prompt and response, as the prompt's end; \\n and \\t are a line break and a tab (default: a line break when neither has white space at the cut; '' joins them as given; not with --chat, whose template separates the turns)",
  },
  ...baselineFlags,
  ...modelFlags,
  'chunk-size': scoringFlags['chunk-size'],
  'top-k': scoringFlags['top-k'],
  format: formatFlag,
});

export const diCommand: CliCommand = {
  name: 'di',
  summary: 'directed information from a prompt to a response: iota, KL, compensator and residual per token (bits)',
  args: '--prompt FILE|TEXT --response FILE|TEXT',
  flags: FLAGS,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'di');
    if (positionals.length > 0)
      throw new SemanticFlowError(
        'bad-argument',
        `di takes no FILE argument (got \`${positionals[0]}\`); give --prompt and --response.`,
      );
    const chunkSize = flags['chunk-size'];
    const topK = flags['top-k'];
    const prompt = await textOrFile(flags.prompt, 'prompt', io);
    const response = await textOrFile(flags.response, 'response', io);
    const system = flags.system === undefined ? undefined : await textOrFile(flags.system, 'system', io);
    if (system !== undefined && !flags.chat)
      throw new SemanticFlowError('bad-argument', '`--system` goes with `--chat`.');
    if (flags.join !== undefined && flags.chat)
      throw new SemanticFlowError(
        'bad-argument',
        "`--join` does not go with `--chat`: the model's chat template separates the turns.",
      );
    const baseline = await baselineFromFlags(flags, io);
    const format = formatOf(flags, io);
    const model = await loadModelFromFlags(flags, io);
    try {
      const progress = progressLine(io, 'directed information');
      const input = flags.chat
        ? {
            messages: [
              ...(system !== undefined ? [{ role: 'system', content: system }] : []),
              { role: 'user', content: prompt },
              { role: 'assistant', content: response },
            ],
          }
        : { prompt: prompt + promptJoin(prompt, response, flags.join), response };
      const result = await redoOnCpu(() =>
        directedInformation(model, input, {
          ...baseline,
          chunkSize,
          topK,
          signal: io.signal,
          onProgress: (p) => progress.update(p.doneTokens, p.totalTokens),
        }),
      );
      progress.done();
      io.stdout.write(format === 'json' ? toJson(result) : diTable(result, outputWidth(io)));
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
