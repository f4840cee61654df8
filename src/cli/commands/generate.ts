/** `semantic-flow generate`: generate from a prompt and watch the information flow (bits) as tokens arrive. */
import { SemanticFlowError } from '../../core/errors';
import { DEFAULT_SEED, generate, type GeneratedToken } from '../../core/generation';
import type { AnalysisResult } from '../../core/result';
import { flagSpecs, parseArgs } from '../args';
import { fitLine, num, outputWidth, row, tokenCell } from '../columns';
import type { CliCommand } from '../command';
import type { CliIo } from '../io';
import { loadModelFromFlags, modelFlags } from '../modelOptions';
import { toJson } from '../output';
import { textOrFile } from '../textArg';
import { progressLine } from '../progress';
import { baselineFlags, baselineFromFlags, formatFlag, formatOf } from './di';
import { redoOnCpu } from '../../engines/onnx/deviceFailure';

const W = [5, 18, 8, 8, 9, 9, 9, 9];
const RIGHT = [false, false, true, true, true, true, true, true];
const header = () => row(['#', 'token', 's', 'H', 'iota', 'KL', 'A', 'M'], W, RIGHT);
const tokenRow = (t: GeneratedToken) =>
  row(
    [
      String(t.index),
      tokenCell(t.text, 18),
      num(t.surprisalBits),
      num(t.entropyBits),
      num(t.iotaBits, 3),
      num(t.klBits, 3),
      num(t.compensatorBits),
      num(t.residualBits),
    ],
    W,
    RIGHT,
  );

function summaryLines(r: AnalysisResult, width: number): string[] {
  const g = r.generation!;
  const last = g.tokens[g.tokens.length - 1];
  const how = g.greedy ? 'greedy' : `sampled at temperature ${g.temperature}, seed ${g.seed}`;
  const lines = [
    '',
    'bits: s = surprisal, H = entropy, iota = log2 p(y|x,y<t) − log2 p~(y|y<t), KL = KL(p || p~), A = Σ KL, M = Σ iota − A',
    `model ${r.model.id} on ${r.model.device} (${r.model.dtype}); baseline ${g.baseline}${g.baselineText ? ` ${JSON.stringify(g.baselineText)}` : ''}; ${how}`,
  ];
  if (g.samples > 1) {
    lines.push(`${g.samples} samples; expected flow F(t) = mean Σ KL (bits), ± one standard deviation across samples:`);
    const every = Math.max(1, Math.ceil(g.expectedFlowBits.length / 16));
    g.expectedFlowBits.forEach((f, t) => {
      if (t % every === 0 || t === g.expectedFlowBits.length - 1)
        lines.push(
          `  t=${String(t + 1).padStart(3)}  F = ${num(f, 3)} ± ${num(g.expectedFlowStdBits?.[t], 3)}   mean Σ iota = ${num(g.expectedIotaBits?.[t], 3)} ± ${num(g.expectedIotaStdBits?.[t], 3)}`,
        );
    });
  } else if (last) {
    lines.push(
      `${g.tokens.length} tokens (${g.stopReason}); Σ iota = ${num(last.compensatorBits + last.residualBits, 3)} bits, A = ${num(last.compensatorBits, 3)} bits, M = ${num(last.residualBits, 3)} bits (z = ${num(last.z)})`,
    );
  }
  const text = g.samples > 1 || !last ? [] : [`text: ${JSON.stringify(r.text.slice(g.prompt.length))}`];
  return [...lines.flatMap((l) => fitLine(l, width)), ...text];
}

const FLAGS = flagSpecs({
  prompt: { type: 'string', value: 'FILE|TEXT', help: 'the prompt: a file, - for standard input, or the text itself' },
  'max-tokens': {
    type: 'int',
    value: 'N',
    min: 1,
    max: 100_000,
    default: 32,
    help: 'most tokens generated (per sample); generation also stops at the end-of-text token',
  },
  greedy: { type: 'boolean', help: 'always take the most likely token (default: sample)' },
  temperature: {
    type: 'positive',
    value: 'T',
    default: 1,
    help: "sampling temperature; the measures always use the model's own distribution",
  },
  seed: {
    type: 'int',
    value: 'S',
    min: 0,
    max: 2 ** 32 - 1,
    default: DEFAULT_SEED,
    help: 'random seed: the same seed gives the same text',
  },
  samples: {
    type: 'int',
    value: 'K',
    min: 1,
    max: 100_000,
    default: 1,
    help: 'above 1: the expected flow F(t) over K samples at temperature 1 (Monte Carlo), instead of one text',
  },
  ...baselineFlags,
  ...modelFlags,
  format: formatFlag,
});

export const generateCommand: CliCommand = {
  name: 'generate',
  summary:
    'generate from a prompt with per-token surprisal, entropy, iota and KL vs a baseline; --samples K for the expected flow F(t) (bits)',
  args: '--prompt FILE|TEXT',
  flags: FLAGS,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'generate');
    if (positionals.length > 0)
      throw new SemanticFlowError(
        'bad-argument',
        `generate takes no FILE argument (got \`${positionals[0]}\`); give --prompt.`,
      );
    const { samples, seed, temperature } = flags;
    if (samples > 1 && (flags.greedy === true || temperature !== 1)) {
      throw new SemanticFlowError(
        'bad-argument',
        '`--samples` above 1 estimates the expected flow by sampling at temperature 1; drop --greedy and --temperature.',
      );
    }
    const prompt = await textOrFile(flags.prompt, 'prompt', io);
    const baseline = await baselineFromFlags(flags, io);
    const format = formatOf(flags, io);
    const model = await loadModelFromFlags(flags, io);
    try {
      const stream = format === 'table' && samples === 1;
      if (stream) io.stdout.write(header() + '\n');
      // Monte Carlo progress counts samples, not tokens.
      const progress = progressLine(io, 'sampling', 'samples');
      const result = await redoOnCpu(() =>
        generate(model, prompt, {
          ...baseline,
          samples,
          maxTokens: flags['max-tokens'],
          seed,
          temperature,
          greedy: flags.greedy === true,
          signal: io.signal,
          onToken: (t) => {
            if (stream) io.stdout.write(tokenRow(t) + '\n');
          },
          onProgress: (p) => {
            if (samples > 1) progress.update(p.doneSamples, p.totalSamples);
          },
        }),
      );
      progress.done();
      if (format === 'json') io.stdout.write(toJson(result));
      else
        io.stdout.write(
          [
            ...(stream ? [] : [header(), ...result.generation!.tokens.map(tokenRow)]),
            ...summaryLines(result, outputWidth(io)),
          ].join('\n') + '\n',
        );
      if (result.generation!.stopReason === 'cancelled') {
        io.stderr.write('semantic-flow: cancelled.\n');
        return 130;
      }
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
