/** `semantic-flow flow FILE`: token-to-token information flow by occlusion (phi and expected Φ, bits). */
import { SemanticFlowError } from '../../core/errors';
import { occlusionFlow } from '../../core/occlusionFlow';
import {
  DEFAULT_FLOW_UNIT,
  DEFAULT_MAX_BATCH,
  DEFAULT_OCCLUSION_METHOD,
  type OcclusionPlanOptions,
} from '../../core/occlusionPlan';
import type { AnalysisResult } from '../../core/result';
import { flagSpecs, parseArgs } from '../args';
import { num, outputWidth, row, tokenCell, wrapItems } from '../columns';
import type { CliCommand } from '../command';
import { readInput } from '../input';
import type { CliIo } from '../io';
import { loadModelFromFlags, modelFlags } from '../modelOptions';
import { toJson } from '../output';
import { visibleToken } from '../../core/display';
import { fitWidth, padEnd } from '../../core/displayWidth';
import { progressLine } from '../progress';
import { maxBytesFlag } from '../scoringFlags';
import { formatFlag, formatOf } from './di';
import { redoOnCpu } from '../../engines/onnx/deviceFailure';

const UNITS = ['token', 'word', 'line', 'sentence'] as const;
const METHODS = ['attention-mask', 'replace', 'delete'] as const;

function parseRange(v: string | undefined, text: string): { start: number; end: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m || Number(m[2]) <= Number(m[1]) || Number(m[2]) > text.length) {
    throw new SemanticFlowError(
      'bad-argument',
      `Option \`--target\` takes START:END, UTF-16 offsets with START < END ≤ ${text.length}, not \`${v}\`.`,
    );
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

const short = (s: string, n: number) => fitWidth(visibleToken(s), n);

/** Per target, the sources that moved its prediction most; then the sources by total outgoing flow. Fits `width` columns. */
export function flowTable(r: AnalysisResult, top: number, width = Infinity): string {
  const f = r.flow!;
  const w = [5, 18, 9, 9];
  const right = [false, false, true, true];
  const lines = [row(['#', 'target', 'Σ Φ', 'Σ phi'], w, right) + '  top sources: Φ (phi)'];
  const room = Math.max(20, width - (w.reduce((a, x) => a + x + 1, 0) + 1));
  f.targets.forEach((t, c) => {
    const col = f.sources
      .map((_, j) => ({ j, big: f.expectedBits[j][c], phi: f.phiBits[j][c] }))
      .filter((x) => Number.isFinite(x.big) && x.big > 0);
    const sumBig = col.reduce((a, x) => a + x.big, 0),
      sumPhi = col.reduce((a, x) => a + x.phi, 0);
    const best = col
      .sort((a, b) => b.big - a.big)
      .slice(0, top)
      .map((x) => `${short(f.sources[x.j].text, 14)} ${num(x.big)} (${num(x.phi)})`);
    lines.push(
      row([String(t), tokenCell(r.tokens[t].text, 18), num(sumBig), num(sumPhi)], w, right) +
        '  ' +
        fitWidth(best.join(', '), room),
    );
  });
  const rows = f.sources.map((s, j) => ({
    s,
    big: f.expectedBits[j].reduce((a, x) => a + (Number.isFinite(x) ? x : 0), 0),
    phi: f.phiBits[j].reduce((a, x) => a + (Number.isFinite(x) ? x : 0), 0),
  }));
  lines.push('', `sources with the most outgoing flow (of ${rows.length}):`);
  for (const x of [...rows].sort((a, b) => b.big - a.big).slice(0, 10)) {
    lines.push(`  ${padEnd(short(x.s.text, 24), 26)} Σ Φ ${num(x.big).padStart(8)}   Σ phi ${num(x.phi).padStart(8)}`);
  }
  const m = r.model;
  lines.push(
    '',
    ...wrapItems(
      [
        'bits: Φ = KL(p(.|x<t) || p(.|x<t, source occluded))',
        'phi = log2 p(x_t|x<t) − log2 p(x_t|x<t, source occluded)',
      ],
      width,
    ),
    ...wrapItems(
      [
        `model ${m.id} on ${m.device} (${m.dtype})`,
        `unit ${f.unit}`,
        `occlusion by ${f.method}${f.kvReuse ? ', KV cache of the unchanged prefix reused' : ''}`,
        `${f.passes} passes, ${f.tokenSteps} token-steps`,
        ...(f.comparisons ? [`rows compared by ${f.comparisons}`] : []),
      ],
      width,
      '; ',
    ),
  );
  return lines.join('\n') + '\n';
}

/** A flow costs about n²/2 token-steps for n tokens: a far smaller input limit than an analysis. */
const FLOW_MAX_BYTES = 64 * 1024;

const FLAGS = flagSpecs({
  unit: {
    type: 'string',
    choices: UNITS,
    default: DEFAULT_FLOW_UNIT,
    help: 'what is occluded: each token, word, line or sentence of the text',
  },
  target: {
    type: 'string',
    value: 'START:END',
    help: 'targets only the tokens holding a character of this range (UTF-16 offsets); default: every token',
  },
  method: {
    type: 'string',
    choices: METHODS,
    default: DEFAULT_OCCLUSION_METHOD,
    help: 'how a unit is occluded: masked from attention, replaced by the token of " ", or deleted',
  },
  top: { type: 'int', value: 'N', min: 1, max: 50, default: 3, help: 'sources shown per target in the table' },
  'no-reuse': {
    type: 'boolean',
    help: "run every occluded pass from the start instead of from the clean prefix's KV cache (same result, slower; for checking)",
  },
  'max-batch': {
    type: 'int',
    value: 'N',
    min: 1,
    max: 64,
    help: `most occluded passes per batched forward (default ${DEFAULT_MAX_BATCH}; 1 when the model cannot tile a cache)`,
  },
  ...modelFlags,
  format: formatFlag,
  'max-bytes': maxBytesFlag(FLOW_MAX_BYTES),
});

export const flowCommand: CliCommand = {
  name: 'flow',
  summary: 'token-to-token information flow by occlusion: which earlier units each token depends on (bits)',
  args: '[FILE|-]',
  flags: FLAGS,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'flow');
    if (positionals.length > 1)
      throw new SemanticFlowError(
        'bad-argument',
        `flow takes one FILE (or - for standard input), not ${positionals.length}.`,
      );
    const format = formatOf(flags, io);
    const { text } = await readInput(positionals[0], io, flags['max-bytes']);
    const plan: OcclusionPlanOptions = {
      unit: flags.unit,
      targetRange: parseRange(flags.target, text),
      method: flags.method,
      reuse: flags['no-reuse'] !== true,
      maxBatch: flags['max-batch'],
    };
    const model = await loadModelFromFlags(flags, io);
    try {
      const progress = progressLine(io, 'occlusion', 'token-steps');
      const result = await redoOnCpu(() =>
        occlusionFlow(model, text, {
          ...plan,
          signal: io.signal,
          onPlan: (cost) =>
            io.stderr.write(
              `semantic-flow: flow from ${cost.sources} sources to ${cost.targets} targets: ${cost.passes} passes, ${cost.tokenSteps} token-steps (${cost.independentTokenSteps} without KV reuse), ${cost.cells} cells\n`,
            ),
          onProgress: (p) => progress.update(p.doneSteps, p.totalSteps),
        }),
      );
      progress.done();
      io.stdout.write(format === 'json' ? toJson(result) : flowTable(result, flags.top, outputWidth(io)));
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
