/**
 * Directed information in a dialogue (measures.md, "Directed information in a dialogue"): the joint pass
 * J over the templated transcript and two baseline passes, B_Y with the user's turns replaced (for
 * X → Y) and B_X with the assistant's replaced (for Y → X), walked in lockstep. Each content token gets
 * iota and KL against its side's baseline row; each direction its compensator, residual and z; each turn
 * its sums; and the transcript Massey's conservation check from totals kept apart from the iota sums.
 */
import { chatLayout, splicedIds, type ChatLayout } from './chatLayout';
import type { ChatCapable, ChatMessage } from './directedInput';
import { CompensatorSums, diTokenRecord } from './diTokenRecord';
import { pairMeasures } from './divergence';
import { SemanticFlowError, throwIfAborted } from './errors';
import { forcedRows, type ForcedRow } from './forcedRows';
import { conservationOf, directionOf, turnsOf, type Side } from './dialogueSums';
import type { AnalysisResult, DialogueTokenRecord, TokenRecord } from './result';
import { resultObject } from './resultObject';
import type { ScoringModel } from './scoringModel';
import { blankRecord, fillRecord } from './tokenRecords';

export interface DialogueProgress {
  stage: 'dialogue';
  doneTokens: number;
  totalTokens: number;
}

export interface DialogueOptions {
  /** What replaces the other side's turns: nothing (`neutral`, default) or `baselineText`. */
  baseline?: 'neutral' | 'text';
  baselineText?: string;
  topK?: number;
  chunkSize?: number;
  stride?: number;
  /** Prepend BOS when the templated text does not open with it (default true). */
  bos?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: DialogueProgress) => void;
}

/** The rows of one baseline pass, fetched by target in increasing order. */
class RowCursor {
  constructor(private readonly rows: AsyncGenerator<ForcedRow, void, undefined>) {}
  async at(target: number): Promise<ForcedRow> {
    for (;;) {
      const r = await this.rows.next();
      if (r.done || r.value.target > target)
        throw new Error(`dialogueInformation: the baseline pass has no row for position ${target}`);
      if (r.value.target === target) return r.value;
    }
  }
  close(): Promise<unknown> {
    return this.rows.return(undefined);
  }
}

/** The direction whose information a role's turns receive, and the role whose tokens a direction scores. */
const SIDES: Record<string, Side> = { user: 'assistant-to-user', assistant: 'user-to-assistant' };
const SIDES_ROLE: Record<Side, string> = { 'user-to-assistant': 'assistant', 'assistant-to-user': 'user' };

function baselineIdsOf(model: ScoringModel, o: DialogueOptions): number[] {
  if ((o.baseline ?? 'neutral') === 'neutral') return [];
  if (!o.baselineText)
    throw new SemanticFlowError('bad-argument', 'The baseline `text` needs a non-empty baseline text.');
  return model.tokenize(o.baselineText).ids;
}

/** Owner of every token of the layout: the message whose content holds it, or −1 for the template. */
function owners(layout: ChatLayout): Int32Array {
  const owner = new Int32Array(layout.tok.ids.length).fill(-1);
  for (const m of layout.messages) owner.fill(m.message, m.tokenStart, m.tokenEnd);
  return owner;
}

export async function dialogueInformation(
  model: ScoringModel & ChatCapable,
  messages: ChatMessage[],
  o: DialogueOptions = {},
): Promise<AnalysisResult> {
  const { topK = 5, chunkSize = 128, bos = true, signal } = o;
  throwIfAborted(signal);
  const layout = chatLayout(model, messages);
  const baselineIds = baselineIdsOf(model, o);
  const { tok, text } = layout;
  const bosId = model.info.bosTokenId;
  const opensWithBos = tok.ids.length > 0 && tok.ids[0] === bosId && tok.special[0];
  const prefix = bos && bosId !== null && !opensWithBos ? [bosId] : [];
  const owner = owners(layout);
  const passY = splicedIds(layout, 'user', baselineIds); // B_Y: user turns replaced
  const passX = splicedIds(layout, 'assistant', baselineIds); // B_X: assistant turns replaced
  const seqJ = [...prefix, ...tok.ids];
  const firstNeeded = (pass: typeof passX, side: Side) => {
    const m = layout.messages.find((x) => x.role === SIDES_ROLE[side] && x.tokenEnd > x.tokenStart);
    return Math.max(1, prefix.length + (m ? pass.position[m.tokenStart] : 0));
  };
  const cursors: Record<Side, RowCursor> = {
    'user-to-assistant': new RowCursor(
      forcedRows(model, [...prefix, ...passY.ids], {
        firstTarget: firstNeeded(passY, 'user-to-assistant'),
        chunkSize,
        stride: o.stride,
        signal,
      }),
    ),
    'assistant-to-user': new RowCursor(
      forcedRows(model, [...prefix, ...passX.ids], {
        firstTarget: firstNeeded(passX, 'assistant-to-user'),
        chunkSize,
        stride: o.stride,
        signal,
      }),
    ),
  };
  const position: Record<Side, Int32Array> = {
    'user-to-assistant': passY.position,
    'assistant-to-user': passX.position,
  };

  const tokens: TokenRecord[] = tok.ids.map((_, i) => blankRecord(tok, i, text, model, i));
  const records: DialogueTokenRecord[] = [];
  const sums: Record<Side, CompensatorSums> = {
    'user-to-assistant': new CompensatorSums(),
    'assistant-to-user': new CompensatorSums(),
  };
  let truncated = false;
  const total = 3 * (seqJ.length - 1);
  let done = 0;
  try {
    for await (const a of forcedRows(model, seqJ, { firstTarget: 1, chunkSize, stride: o.stride, signal })) {
      const i = a.target - prefix.length;
      const t = tokens[i];
      const m = fillRecord(t, a.row, topK, model);
      truncated ||= a.truncatedContext;
      if (a.truncatedContext) t.truncatedContext = true;
      const message = owner[i];
      const side = message >= 0 ? SIDES[messages[message].role] : undefined;
      if (side) {
        const b = await cursors[side].at(prefix.length + position[side][i]);
        truncated ||= b.truncatedContext;
        const pm = pairMeasures(a.row, b.row, t.id);
        const windowed = a.truncatedContext || b.truncatedContext;
        records.push({
          ...diTokenRecord(t, pm, m.entropyBits, windowed, sums[side]),
          turn: message,
          direction: side,
        });
      }
      done += side ? 2 : 1;
      o.onProgress?.({ stage: 'dialogue', doneTokens: Math.min(done, total), totalTokens: total });
    }
  } finally {
    await Promise.all(Object.values(cursors).map((c) => c.close()));
  }

  const unscored = layout.messages.some(
    (x) => SIDES[x.role] && x.tokenEnd > x.tokenStart && tokens[x.tokenStart].surprisalBits === null,
  );
  const turns = turnsOf(layout, tokens, records);
  const userToAssistant = directionOf(records, 'user-to-assistant', sums['user-to-assistant']);
  const assistantToUser = directionOf(records, 'assistant-to-user', sums['assistant-to-user']);
  return resultObject(
    model.info,
    text,
    tokens,
    { topK, bos: prefix.length > 0, chunkSize, ...(o.stride ? { stride: o.stride } : {}) },
    {
      dialogue: {
        baseline: o.baseline ?? 'neutral',
        ...(o.baseline === 'text' ? { baselineText: o.baselineText } : {}),
        turns,
        tokens: records,
        userToAssistant,
        assistantToUser,
        conservation: conservationOf(
          tokens,
          (i) => (owner[i] >= 0 ? SIDES[messages[owner[i]].role] : undefined),
          records,
          userToAssistant,
          assistantToUser,
          { truncated, unscored },
        ),
        bos: prefix.length > 0,
      },
    },
  );
}
