/**
 * `semantic-flow dialogue FILE`: directed information both ways in a chat transcript (JSON or JSON Lines
 * messages, or Markdown turns), per turn and cumulatively, with Massey's conservation check (measures.md,
 * "Directed information in a dialogue").
 */
import { SemanticFlowError } from '../../core/errors';
import { dialogueInformation } from '../../core/dialogueInformation';
import type { AnalysisResult, DialogueDirection } from '../../core/result';
import { parseTranscript } from '../../core/transcript';
import { redoOnCpu } from '../../engines/onnx/deviceFailure';
import { flagSpecs, parseArgs } from '../args';
import { num, row, tokenCell } from '../columns';
import type { CliCommand } from '../command';
import { readInput } from '../input';
import type { CliIo } from '../io';
import { loadModelFromFlags, modelFlags } from '../modelOptions';
import { toJson } from '../output';
import { progressLine } from '../progress';
import { scoringFlags } from '../scoringFlags';
import { baselineFromFlags, formatFlag, formatOf } from './di';

const ARROW: Record<string, string> = { user: 'Y → X', assistant: 'X → Y', system: '' };

const directionLine = (name: string, d: DialogueDirection): string =>
  `${name} = ${num(d.totalBits, 3)} bits (compensator A = ${num(d.totalKlBits, 3)}, residual M = ${num(d.totalResidualBits, 3)}, z = ${num(d.finalZ)}); its turns cost ${num(d.jointBits, 2)} bits with the other side, ${num(d.baselineBits, 2)} without`;

export function dialogueTable(r: AnalysisResult): string {
  const d = r.dialogue!;
  const w = [4, 9, 18, 6, 9, 9, 9, 9, 10, 6];
  const right = [false, false, false, true, true, true, true, true, true, false];
  const lines = [
    row(['turn', 'role', 'text', 'tokens', 'bits', 'baseline', 'Σ iota', 'Σ KL', 'cumulative', 'dir'], w, right),
  ];
  for (const t of d.turns) {
    const text = r.text.slice(t.start, t.end);
    lines.push(
      row(
        [
          String(t.message + 1),
          t.role,
          tokenCell(text, 18),
          String(t.tokenEnd - t.tokenStart),
          num(t.bits),
          num(t.baselineBits),
          num(t.iotaBits, 3),
          num(t.klBits, 3),
          t.role === 'system' ? '—' : num(t.cumulativeBits, 3),
          ARROW[t.role],
        ],
        w,
        right,
      ),
    );
  }
  const c = d.conservation;
  const base =
    d.baseline === 'neutral'
      ? "neutral (the other side's turns left empty)"
      : `text ${JSON.stringify((d.baselineText ?? '').slice(0, 40))} in place of each of the other side's turns`;
  lines.push(
    '',
    "bits: bits = surprisal of the turn with every turn present; baseline = with the other side's turns replaced; Σ iota = their difference; cumulative = Σ iota of the direction so far",
    `model ${r.model.id} on ${r.model.device} (${r.model.dtype}); baseline ${base}`,
    directionLine('I(X → Y), user → assistant', d.userToAssistant),
    directionLine('I(0Y → X), assistant → user', d.assistantToUser),
    `conservation: î(X;Y) = L_X + L_Y − L_J = ${num(c.mutualInformationBits, 6)} bits; I(X → Y) + I(0Y → X) = ${num(c.directedSumBits, 6)} bits; gap ${c.gapBits.toExponential(2)} bits`,
    `  ${c.note}`,
    `template tokens (role headers, turn ends, system turns): ${num(c.templateBits, 2)} bits, neither side's`,
  );
  return lines.join('\n') + '\n';
}

const FLAGS = flagSpecs({
  ...modelFlags,
  baseline: {
    type: 'string',
    choices: ['neutral', 'text'] as const,
    help: "what replaces the other side's turns in the baseline passes: neutral (empty turns) or text (--baseline-text); default neutral",
  },
  'baseline-text': {
    type: 'string',
    value: 'FILE|TEXT',
    help: "the text put in place of each of the other side's turns for --baseline text (implies it)",
  },
  'chunk-size': scoringFlags['chunk-size'],
  'top-k': scoringFlags['top-k'],
  'max-bytes': scoringFlags['max-bytes'],
  format: formatFlag,
});

export const dialogueCommand: CliCommand = {
  name: 'dialogue',
  summary:
    'directed information both ways in a chat transcript: I(X → Y) user → assistant and I(0Y → X) back, per turn, with the conservation check (bits)',
  args: 'FILE|-',
  flags: FLAGS,
  notes:
    'FILE is a chat transcript: a JSON array of {role, content} messages, an object with "messages", JSON Lines (one message per line), or Markdown whose turns start with "User:", "Assistant:" or "System:". The model needs a chat template.',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'dialogue');
    if (positionals.length !== 1)
      throw new SemanticFlowError(
        'bad-argument',
        `dialogue takes one FILE (or - for standard input), the transcript; got ${positionals.length}.`,
      );
    const { baseline, baselineText } = await baselineFromFlags(flags, io, 'neutral');
    const format = formatOf(flags, io);
    const { text } = await readInput(positionals[0], io, flags['max-bytes']);
    const messages = parseTranscript(text);
    const model = await loadModelFromFlags(flags, io);
    try {
      const progress = progressLine(io, 'dialogue');
      const result = await redoOnCpu(() =>
        dialogueInformation(model, messages, {
          baseline,
          baselineText,
          chunkSize: flags['chunk-size'],
          topK: flags['top-k'],
          signal: io.signal,
          onProgress: (p) => progress.update(p.doneTokens, p.totalTokens),
        }),
      );
      progress.done();
      io.stdout.write(format === 'json' ? toJson(result) : dialogueTable(result));
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
