/**
 * `semantic-flow rate-distortion [--model M] FILE…`: every ONNX variant of the model's folder as one point,
 * rate (bits per weight) against distortion (mean KL from fp32, Δ bits/byte) with bootstrap intervals, and
 * the tokens each variant gets most wrong (measures.md, "Rate–distortion of a quantised model").
 */
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from '../../core/bootstrap';
import { SemanticFlowError } from '../../core/errors';
import { DEFAULT_WORST, rateDistortion } from '../../core/rateDistortion';
import type { AnalysisResult, RateDistortionPoint } from '../../core/result';
import { formatBytes } from '../../core/units';
import { redoOnCpu } from '../../engines/onnx/deviceFailure';
import { referenceParameters } from '../../engines/onnx/modelVariants';
import { variantSources } from '../../engines/onnx/variantSources';
import { flagSpecs, parseArgs } from '../args';
import { num, row, tokenCell } from '../columns';
import type { CliCommand } from '../command';
import { readInput } from '../input';
import type { CliIo } from '../io';
import { loadModelFromFlags, modelArgFromFlags, modelFlags } from '../modelOptions';
import { toJson } from '../output';
import { progressLine } from '../progress';
import { scoringFlags } from '../scoringFlags';
import { formatFlag, formatOf } from './di';

/** 1-based line and column of a UTF-16 offset (editors' convention). */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

const interval = (v: number, i: [number, number], d: number): string =>
  `${num(v, d)} [${num(i[0], d)}, ${num(i[1], d)}]`;

export function rdTable(r: AnalysisResult, texts: string[]): string {
  const rd = r.rateDistortion!;
  const w = [8, 28, 9, 11, 28, 28];
  const right = [false, false, true, true, true, true];
  const lines = [
    row(['variant', 'file', 'size', 'bits/weight', 'mean KL bits/token [95%]', 'Δ bits/byte [95%]'], w, right),
  ];
  for (const p of rd.points) {
    lines.push(
      row(
        [
          p.variant,
          p.file,
          formatBytes(p.bytes),
          num(p.bitsPerWeight, 3),
          interval(p.meanKlBits, p.klInterval, 4),
          interval(p.deltaBitsPerByte, p.deltaInterval, 4),
        ],
        w,
        right,
      ),
    );
  }
  const tokens = rd.texts.reduce((n, t) => n + t.tokens, 0);
  lines.push(
    '',
    `rate = 8 × bytes / ${rd.parameters.toLocaleString('en-US')} parameters (floating-point initializers of rank ≥ 1 in ${rd.reference}); distortion = KL(p_fp32 || p_variant) per token`,
    `Δ bits/byte: extra bits the variant spends per UTF-8 byte; intervals: percentile bootstrap over ${tokens} tokens, ${rd.bootstrap.resamples} resamples, seed ${rd.bootstrap.seed}`,
    `model ${r.model.id} on ${r.model.device}; texts: ${rd.texts.map((t) => `${t.name} (${t.tokens} tokens)`).join(', ')}`,
  );
  for (const p of rd.points.filter((x: RateDistortionPoint) => x.worst.length > 0 && x.meanKlBits > 0)) {
    lines.push('', `largest KL, ${p.variant}:`);
    for (const t of p.worst) {
      const where = `${rd.texts[t.text]?.name ?? t.text}:${lineColumn(texts[t.text] ?? '', t.start)}`;
      lines.push(`  ${num(t.klBits, 4).padStart(8)} bits  ${tokenCell(t.token, 16)} ${where}`);
    }
  }
  return lines.join('\n') + '\n';
}

const FLAGS = flagSpecs({
  ...modelFlags,
  dtype: { ...modelFlags.dtype, help: 'not taken: every dtype of the folder is measured against fp32' },
  resamples: {
    type: 'int',
    value: 'N',
    min: 1,
    max: 100_000,
    default: DEFAULT_RESAMPLES,
    help: 'bootstrap resamples for the 95% intervals',
  },
  seed: {
    type: 'int',
    value: 'S',
    min: 0,
    max: 2 ** 32 - 1,
    default: DEFAULT_BOOTSTRAP_SEED,
    help: "the bootstrap's random seed (the same seed gives the same intervals)",
  },
  worst: {
    type: 'int',
    value: 'K',
    min: 0,
    max: 1000,
    default: DEFAULT_WORST,
    help: 'tokens with the largest KL listed per variant',
  },
  format: formatFlag,
  'chunk-size': scoringFlags['chunk-size'],
  'max-bytes': scoringFlags['max-bytes'],
});

export const rateDistortionCommand: CliCommand = {
  name: 'rate-distortion',
  summary:
    "every ONNX variant of the model's folder (fp32, fp16, q8, q4, …): bits per weight against mean KL from fp32 and Δ bits/byte, with bootstrap intervals",
  args: 'FILE…',
  flags: FLAGS,
  notes: 'FILE… are the texts the distortion is measured on; - reads one from standard input.',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'rate-distortion');
    if (flags.dtype !== undefined)
      throw new SemanticFlowError(
        'bad-argument',
        'rate-distortion measures every dtype of the model against fp32; it takes no --dtype.',
      );
    if (positionals.length === 0)
      throw new SemanticFlowError(
        'bad-argument',
        'rate-distortion needs at least one FILE (or - for standard input) to measure the distortion on.',
      );
    const { resamples, seed, worst } = flags;
    const chunkSize = flags['chunk-size'];
    const format = formatOf(flags, io);
    const maxBytes = flags['max-bytes'];
    const texts: { name: string; text: string }[] = [];
    for (const p of positionals) {
      const { text, name } = await readInput(p, io, maxBytes);
      texts.push({ name, text });
    }
    const fp32 = { dtype: 'fp32' as const };
    const { dir, id } = modelArgFromFlags(flags, io, fp32);
    const parameters = referenceParameters(dir);
    const reference = await loadModelFromFlags(flags, io, fp32);
    try {
      const progress = progressLine(io, 'rate–distortion');
      const result = await redoOnCpu(() =>
        rateDistortion(
          reference,
          variantSources(dir, reference, { device: flags.device, threads: flags.threads, id }),
          texts,
          {
            reference: 'onnx/model.onnx',
            parameters,
            resamples,
            seed,
            worst,
            chunkSize,
            signal: io.signal,
            onProgress: (p) =>
              progress.update(p.doneTokens + p.doneVariants * p.totalTokens, p.totalVariants * p.totalTokens),
          },
        ),
      );
      progress.done();
      io.stdout.write(
        format === 'json'
          ? toJson(result)
          : rdTable(
              result,
              texts.map((t) => t.text),
            ),
      );
    } finally {
      await reference.dispose();
    }
    return 0;
  },
};
