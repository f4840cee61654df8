/** `semantic-flow generate`: generate from a prompt and watch the information flow (bits) as tokens arrive. */
import { SemanticFlowError } from '../../core/errors';
import { generate, type GeneratedToken } from '../../core/generation';
import type { AnalysisResult } from '../../core/result';
import { intFlag, parseArgs } from '../args';
import { num, row, tokenCell } from '../columns';
import type { CliCommand } from '../command';
import type { CliIo } from '../io';
import { loadModelFromFlags, modelFlags } from '../modelOptions';
import { toJson } from '../output';
import { textOrFile } from '../textArg';
import { BASELINES, baselineFromFlags, FLOW_FORMATS, formatOf } from './di';

const W = [5, 18, 8, 8, 9, 9, 9, 9];
const RIGHT = [false, false, true, true, true, true, true, true];
const header = () => row(['#', 'token', 's', 'H', 'iota', 'KL', 'A', 'M'], W, RIGHT);
const tokenRow = (t: GeneratedToken) =>
  row([String(t.index), tokenCell(t.text, 18), num(t.surprisalBits), num(t.entropyBits), num(t.iotaBits, 3), num(t.klBits, 3), num(t.compensatorBits), num(t.residualBits)], W, RIGHT);

function summaryLines(r: AnalysisResult): string[] {
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
      if (t % every === 0 || t === g.expectedFlowBits.length - 1) lines.push(`  t=${String(t + 1).padStart(3)}  F = ${num(f, 3)} ± ${num(g.expectedFlowStdBits?.[t], 3)}   mean Σ iota = ${num(g.expectedIotaBits?.[t], 3)} ± ${num(g.expectedIotaStdBits?.[t], 3)}`);
    });
  } else if (last) {
    lines.push(`${g.tokens.length} tokens (${g.stopReason}); Σ iota = ${num(last.compensatorBits + last.residualBits, 3)} bits, A = ${num(last.compensatorBits, 3)} bits, M = ${num(last.residualBits, 3)} bits (z = ${num(last.z)})`);
    lines.push(`text: ${JSON.stringify(r.text.slice(g.prompt.length))}`);
  }
  return lines;
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'generate from a prompt with per-token surprisal, entropy, iota and KL vs a baseline; --samples K for the expected flow F(t) (bits)',
  usage: 'semantic-flow generate --prompt FILE|TEXT [--max-tokens N] [--greedy] [--temperature T] [--seed S] [--samples K] [--baseline bos|neutral|text] [--baseline-text FILE|TEXT] [--model DIR|ID] [--device D] [--dtype T] [--format json|table]',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, {
      ...modelFlags,
      prompt: { type: 'string' },
      samples: { type: 'number' },
      'max-tokens': { type: 'number' },
      seed: { type: 'number' },
      temperature: { type: 'number' },
      greedy: { type: 'boolean' },
      baseline: { type: 'string', choices: BASELINES },
      'baseline-text': { type: 'string' },
      format: { type: 'string', choices: FLOW_FORMATS },
    }, 'generate');
    if (positionals.length > 0) throw new SemanticFlowError('bad-argument', `generate takes no FILE argument (got \`${positionals[0]}\`); give --prompt.`);
    const samples = intFlag(flags, 'samples', 1, 1, 100000);
    const maxTokens = intFlag(flags, 'max-tokens', 32, 1, 100000);
    const seed = intFlag(flags, 'seed', 0, 0, 2 ** 32 - 1);
    const temperature = flags.temperature as number | undefined;
    if (temperature !== undefined && !(temperature > 0)) throw new SemanticFlowError('bad-argument', `Option \`--temperature\` takes a positive number, not \`${temperature}\`.`);
    if (samples > 1 && (flags.greedy === true || (temperature !== undefined && temperature !== 1))) {
      throw new SemanticFlowError('bad-argument', '`--samples` above 1 estimates the expected flow by sampling at temperature 1; drop --greedy and --temperature.');
    }
    const prompt = await textOrFile(flags.prompt as string | undefined, 'prompt', io);
    const baseline = await baselineFromFlags(flags, io);
    const format = formatOf(flags, io);
    const model = await loadModelFromFlags(flags, io);
    try {
      const stream = format === 'table' && samples === 1;
      if (stream) io.stdout.write(header() + '\n');
      // Monte Carlo progress counts samples, not tokens.
      const progress = { update: (d: number, n: number) => { if (io.stderr.isTTY) io.stderr.write(`\rsampling ${d}/${n} samples`); }, done: () => { if (io.stderr.isTTY) io.stderr.write('\r\x1b[K'); } };
      const result = await generate(model, prompt, {
        ...baseline,
        samples,
        maxTokens,
        seed,
        temperature,
        greedy: flags.greedy === true,
        signal: io.signal,
        onToken: (t) => { if (stream) io.stdout.write(tokenRow(t) + '\n'); },
        onProgress: (p) => { if (samples > 1) progress.update(p.doneSamples, p.totalSamples); },
      });
      progress.done();
      if (format === 'json') io.stdout.write(toJson(result));
      else io.stdout.write([...(stream ? [] : [header(), ...result.generation!.tokens.map(tokenRow)]), ...summaryLines(result)].join('\n') + '\n');
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
