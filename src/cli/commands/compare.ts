/**
 * `semantic-flow compare --model A --model-b B FILE`: where two models with one tokenizer disagree, token by
 * token (bits); models with different tokenizers (another family) are compared in bits per byte, per line.
 */
import { SemanticFlowError } from '../../core/errors';
import { compareModels, sameTokenizer } from '../../core/comparison';
import { compareAcrossTokenizers } from '../../core/crossComparison';
import type { AnalysisResult } from '../../core/result';
import { flagSpecs, parseArgs } from '../args';
import { fitLine, num, outputWidth, row, tokenCell } from '../columns';
import type { CliCommand } from '../command';
import { readInput } from '../input';
import type { CliIo } from '../io';
import { DTYPES } from '../../engines/onnx/modelFolder';
import { loadModelFromFlags, modelFlags } from '../modelOptions';
import { toJson } from '../output';
import { progressLine } from '../progress';
import { scoringFlags } from '../scoringFlags';
import { formatFlag, formatOf } from './di';
import { redoOnCpu } from '../../engines/onnx/deviceFailure';

export function compareTable(r: AnalysisResult, width = Infinity): string {
  const c = r.comparison!;
  const w = [5, 18, 9, 9, 9, 9];
  const right = [false, false, true, true, true, true];
  const lines = [row(['#', 'token', 's A', 's B', 'delta', 'kappa'], w, right)];
  r.tokens.forEach((t, i) => {
    const x = c.tokens[i];
    lines.push(
      row(
        [
          String(t.index),
          tokenCell(t.text, 18),
          num(t.surprisalBits),
          num(x.surprisalBitsB),
          num(x.deltaBits, 3),
          num(x.klBits, 3),
        ],
        w,
        right,
      ),
    );
  });
  const footer = [
    '',
    'bits: s = surprisal under A / B, delta = log2 p_A − log2 p_B, kappa = KL(p_A || p_B)',
    `A = ${r.model.id} (${r.model.dtype}), B = ${c.modelB.id} (${c.modelB.dtype}), ${r.tokens.length} tokens`,
    `Σ kappa = ${num(c.totalKlBits, 3)} bits, Σ delta = ${num(c.totalDeltaBits, 3)} bits (positive: A predicts the text better)`,
  ];
  return [...lines, ...footer.flatMap((l) => fitLine(l, width))].join('\n') + '\n';
}

export function crossCompareTable(r: AnalysisResult): string {
  const c = r.crossComparison!;
  const w = [6, 7, 9, 9, 9, 24];
  const right = [true, true, true, true, true, false];
  const perByte = (bits: number, bytes: number) => (bytes > 0 ? num(bits / bytes, 3) : '—');
  const lines = [row(['line', 'bytes', 'b/B A', 'b/B B', 'Δ b/B', 'text'], w, right)];
  c.lines.forEach((l, i) => {
    if (l.bytes === 0) return;
    lines.push(
      row(
        [
          String(i + 1),
          String(l.bytes),
          perByte(l.bitsA, l.bytes),
          perByte(l.bitsB, l.bytes),
          perByte(l.bitsA - l.bitsB, l.bytes),
          tokenCell(r.text.slice(l.start, l.end), 24),
        ],
        w,
        right,
      ),
    );
  });
  lines.push(
    '',
    'the models do not share a tokenizer, so they are compared per UTF-8 byte (b/B: bits per byte; Δ < 0: A predicts the line better)',
    `A = ${r.model.id} (${r.model.dtype}): ${c.tokensA} tokens, ${num(c.totalBitsA, 1)} bits, ${num(c.bitsPerByteA, 3)} bits/byte`,
    `B = ${c.modelB.id} (${c.modelB.dtype}): ${c.tokensB} tokens, ${num(c.totalBitsB, 1)} bits, ${num(c.bitsPerByteB, 3)} bits/byte`,
  );
  return lines.join('\n') + '\n';
}

const FLAGS = flagSpecs({
  ...modelFlags,
  'model-b': {
    type: 'string',
    value: 'DIR|ID',
    help: 'the model to compare with; default: model A. Another tokenizer is compared in bits per byte',
  },
  'dtype-b': { type: 'string', choices: DTYPES, help: "model B's precision (default: --dtype)" },
  format: formatFlag,
  'chunk-size': scoringFlags['chunk-size'],
  'max-bytes': scoringFlags['max-bytes'],
});

export const compareCommand: CliCommand = {
  name: 'compare',
  summary:
    'two models on one text: per-token KL(p_A || p_B) and log-probability difference (bits); across tokenizers, bits per byte per line',
  args: '--model-b B [FILE|-]',
  flags: FLAGS,
  notes:
    'Model A is --model (default: the built-in model). --dtype-b alone compares a model with another precision of itself: what quantisation loses.',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'compare');
    if (positionals.length > 1)
      throw new SemanticFlowError(
        'bad-argument',
        `compare takes one FILE (or - for standard input), not ${positionals.length}.`,
      );
    if (flags['model-b'] === undefined && flags['dtype-b'] === undefined) {
      throw new SemanticFlowError(
        'bad-argument',
        'compare needs `--model-b DIR` or `--dtype-b T`, the model to compare with.',
      );
    }
    const chunkSize = flags['chunk-size'];
    const format = formatOf(flags, io);
    const { text } = await readInput(positionals[0], io, flags['max-bytes']);
    const a = await loadModelFromFlags(flags, io);
    try {
      // B defaults to A's folder, so `--dtype-b q8` alone compares a model with its quantised copy.
      const b = await loadModelFromFlags(flags, io, {
        model: flags['model-b'] ?? flags.model,
        dtype: flags['dtype-b'] ?? flags.dtype,
      });
      try {
        if (!sameTokenizer(a, b, text)) {
          const result = await compareAcrossTokenizers(a, b, text, { chunkSize, signal: io.signal });
          io.stdout.write(format === 'json' ? toJson(result) : crossCompareTable(result));
          return 0;
        }
        const progress = progressLine(io, 'comparing');
        const result = await redoOnCpu(() =>
          compareModels(a, b, text, {
            chunkSize,
            signal: io.signal,
            onProgress: (p) => progress.update(p.doneTokens, p.totalTokens),
          }),
        );
        progress.done();
        io.stdout.write(format === 'json' ? toJson(result) : compareTable(result, outputWidth(io)));
      } finally {
        await b.dispose();
      }
    } finally {
      await a.dispose();
    }
    return 0;
  },
};
