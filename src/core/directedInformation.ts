/**
 * Directed information from a prompt X to a response Y (measures.md, "Directed information"): two
 * teacher-forced passes over the same response ids, one after the prompt and one after the baseline,
 * walked in lockstep chunk by chunk. Per response token: iota, KL, the compensator A_t, the residual
 * M_t and its z-score; the prompted pass also gives every token its ordinary measures.
 */
import { throwIfAborted } from './errors';
import { directedContext, type BaselineOptions, type ChatCapable, type DirectedInput } from './directedInput';
import { CompensatorSums, diTokenRecord } from './diTokenRecord';
import { pairMeasures } from './divergence';
import { forcedRows } from './forcedRows';
import type { AnalysisResult, DiTokenRecord, TokenRecord } from './result';
import type { ScoringModel } from './scoringModel';
import { blankRecord, fillRecord } from './tokenRecords';
import { resultObject } from './resultObject';

export interface DirectedProgress {
  stage: 'directed-information';
  doneTokens: number;
  totalTokens: number;
}

export interface DirectedOptions extends BaselineOptions {
  topK?: number;
  chunkSize?: number;
  stride?: number;
  /** Prepend the model's BOS to both passes when it has one (default true). */
  bos?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: DirectedProgress) => void;
  /** Each response token as soon as both of its rows are reduced. */
  onToken?: (t: DiTokenRecord) => void;
}

export async function directedInformation(
  model: ScoringModel & ChatCapable,
  input: DirectedInput,
  options: DirectedOptions = {},
): Promise<AnalysisResult> {
  const { topK = 5, chunkSize = 128, bos = true, signal } = options;
  throwIfAborted(signal);
  const ctx = directedContext(model, input, options);
  const ids = (list: number[]) => list.map((i) => ctx.tok.ids[i]);
  const promptIds = ids(ctx.promptTokens),
    responseIds = ids(ctx.responseTokens);
  const bosId = model.info.bosTokenId;
  const useBos = bos && bosId !== null;
  // A context that already opens with the BOS special token (a chat template) gets no second one.
  const opensWithBos = (tokIndex: number | undefined) =>
    tokIndex !== undefined && ctx.tok.ids[tokIndex] === bosId && ctx.tok.special[tokIndex];
  const prefixA = useBos && !opensWithBos([...ctx.promptTokens, ...ctx.responseTokens][0]) ? [bosId as number] : [];
  const baselineOpens = ctx.baselineIds.length > 0 ? ctx.baselineOpensWithBos : opensWithBos(ctx.responseTokens[0]);
  const prefixB = useBos && !baselineOpens ? [bosId as number] : [];
  const seqA = [...prefixA, ...promptIds, ...responseIds];
  const seqB = [...prefixB, ...ctx.baselineIds, ...responseIds];
  const aR0 = prefixA.length + promptIds.length;
  const bR0 = prefixB.length + ctx.baselineIds.length;

  const context = [...ctx.promptTokens, ...ctx.responseTokens];
  const tokens: TokenRecord[] = context.map((i, k) => blankRecord(ctx.tok, i, ctx.text, model, k));
  const di: DiTokenRecord[] = [];
  const sums = new CompensatorSums();
  let promptedBits = 0,
    baselineBits = 0;

  const total = seqA.length - 1 + (seqB.length - Math.max(1, bR0));
  let done = 0;
  const rowsA = forcedRows(model, seqA, { firstTarget: 1, chunkSize, stride: options.stride, signal });
  const rowsB = forcedRows(model, seqB, { firstTarget: Math.max(1, bR0), chunkSize, stride: options.stride, signal });
  try {
    for await (const a of rowsA) {
      const t = tokens[a.target - prefixA.length];
      const m = fillRecord(t, a.row, topK, model);
      if (a.truncatedContext) t.truncatedContext = true;
      done++;
      const r = a.target - aR0;
      if (r >= 0 && bR0 + r >= 1) {
        const b = await rowsB.next();
        if (b.done || b.value.target !== bR0 + r)
          throw new Error('directedInformation: the baseline rows are out of step');
        done++;
        const pm = pairMeasures(a.row, b.value.row, t.id);
        const truncated = a.truncatedContext || b.value.truncatedContext;
        const rec = diTokenRecord(t, pm, m.entropyBits, truncated, sums);
        if (!t.special) {
          promptedBits -= pm.log2P;
          baselineBits -= pm.log2Q;
        }
        di.push(rec);
        options.onToken?.(rec);
      }
      options.onProgress?.({ stage: 'directed-information', doneTokens: done, totalTokens: total });
    }
  } finally {
    await rowsB.return(undefined);
  }

  const last = di[di.length - 1];
  return resultObject(
    model.info,
    ctx.text,
    tokens,
    { topK, bos: useBos, chunkSize, ...(options.stride ? { stride: options.stride } : {}) },
    {
      di: {
        baseline: ctx.baseline,
        ...(ctx.baseline !== 'bos' ? { baselineText: ctx.baselineText } : {}),
        promptText: ctx.promptText,
        promptTokenIds: promptIds,
        baselineTokenIds: ctx.baselineIds,
        responseStart: ctx.responseStart,
        responseEnd: ctx.responseEnd,
        tokens: di,
        totalBits: sums.iotaBits,
        totalKlBits: sums.klBits,
        totalResidualBits: sums.iotaBits - sums.klBits,
        finalZ: last ? last.z : null,
        responseTokenStart: ctx.promptTokens.length,
        cutInsideToken: ctx.cutInsideToken,
        promptedResponseBits: promptedBits,
        baselineResponseBits: baselineBits,
        bos: useBos,
        input: ctx.source,
        ...('messages' in input && model.chatTemplate
          ? {
              chat: {
                template: model.chatTemplate,
                messages: input.messages.map((m) => ({ role: m.role, content: m.content })),
              },
            }
          : {}),
      },
    },
  );
}
