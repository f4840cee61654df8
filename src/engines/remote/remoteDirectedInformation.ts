/**
 * Directed information from a prompt X to a response Y with two scoring passes (measures.md, "Directed
 * information"): iota_t = log2 p(y_t | x, y_<t) − log2 p~(y_t | y_<t), from the prompted text and the
 * baseline text (BOS only, or a replacement text) followed by the same response tokens. Needs only
 * per-token log-probs, so it works on any LanguageModel, remote ones included. KL (and with it the
 * compensator, residual and z) needs full distributions: remotely it is unavailable and left NaN, which
 * result JSON writes as null.
 *
 * When the prompt's last token merges with the response's first, the two passes would score different
 * tokens; on servers that take token ids the prompted pass is then re-sent as ids(prompt) + ids(response).
 */
import { SemanticFlowError } from '../../core/errors';
import type { AnalysisResult, DiTokenRecord, DirectedInformation, TokenRecord } from '../../core/result';
import { summarize } from '../../core/summary';
import type { LanguageModel } from '../languageModel';
import { RemoteModel } from './remoteModel';
import { rowsToTokens } from './rowsToResult';
import { limitations } from './limitations';

export interface TwoPassDiOptions {
  prompt: string;
  response: string;
  /** 'bos' (default): the response after BOS only; 'text': after `baselineText`. */
  baseline?: 'bos' | 'text';
  baselineText?: string;
  topK?: number;
  signal?: AbortSignal;
}

const scored = (t: TokenRecord) => !t.special && t.surprisalBits !== null;
const sameToken = (a: TokenRecord, b: TokenRecord) => (a.id >= 0 && b.id >= 0 ? a.id === b.id : a.text === b.text);

function checkInput(o: TwoPassDiOptions): { baseText: string } {
  if (o.response.length === 0) throw new SemanticFlowError('bad-input', 'Directed information needs a response: it is empty.');
  if (o.prompt.length === 0) throw new SemanticFlowError('bad-input', 'Directed information needs a prompt: it is empty.');
  const baseline = o.baseline ?? 'bos';
  if ((baseline as string) === 'neutral') throw new SemanticFlowError('bad-argument', 'The neutral (chat template) baseline needs the local engine; use bos or text remotely.');
  if (baseline === 'text' && !o.baselineText) throw new SemanticFlowError('bad-argument', 'The text baseline needs a baseline text.');
  return { baseText: baseline === 'text' ? (o.baselineText as string) : '' };
}

/** Response tokens of a pass: those starting at or after `from`; null when one straddles `from` (seam merge). */
function responseTokens(r: AnalysisResult, from: number): TokenRecord[] | null {
  if (r.tokens.some((t) => t.start < from && t.end > from && !t.special)) return null;
  return r.tokens.filter((t) => t.start >= from && !t.special);
}

function aligned(a: TokenRecord[] | null, b: TokenRecord[] | null): boolean {
  return a !== null && b !== null && a.length === b.length && a.every((t, i) => sameToken(t, b[i]) && t.end - t.start === b[i].end - b[i].start);
}

/** The di object from the prompted result and the paired baseline tokens. */
function buildDi(o: TwoPassDiOptions, prompted: AnalysisResult, respA: TokenRecord[], respB: TokenRecord[], baselineTokenIds: number[]): DirectedInformation {
  const tokens: DiTokenRecord[] = [];
  let total = 0;
  respA.forEach((a, i) => {
    const b = respB[i];
    if (!scored(a) || !scored(b)) return;
    const iota = (b.surprisalBits as number) - (a.surprisalBits as number);
    total += iota;
    tokens.push({
      index: a.index, id: a.id, text: a.text, start: a.start, end: a.end,
      iotaBits: iota, klBits: NaN, compensatorBits: NaN, residualBits: NaN, z: null,
      surprisalBits: a.surprisalBits as number, baselineSurprisalBits: b.surprisalBits as number,
    });
  });
  return {
    baseline: o.baseline ?? 'bos',
    ...(o.baseline === 'text' ? { baselineText: o.baselineText } : {}),
    promptText: o.prompt,
    promptTokenIds: prompted.tokens.filter((t) => t.end <= o.prompt.length && !t.special).map((t) => t.id),
    baselineTokenIds,
    responseStart: o.prompt.length,
    responseEnd: o.prompt.length + o.response.length,
    tokens,
    totalBits: total,
    totalKlBits: NaN,
  };
}

/** Two analyze passes on any LanguageModel; fails clearly when the prompt/response seam tokenizes differently. */
export async function twoPassDirectedInformation(model: LanguageModel, o: TwoPassDiOptions): Promise<AnalysisResult> {
  const { baseText } = checkInput(o);
  const opts = { topK: o.topK ?? 5, bos: true, signal: o.signal };
  const [A, B] = await Promise.all([model.analyze(o.prompt + o.response, opts), model.analyze(baseText + o.response, opts)]);
  const respA = responseTokens(A, o.prompt.length), respB = responseTokens(B, baseText.length);
  if (!aligned(respA, respB)) {
    throw new SemanticFlowError('bad-input', "The prompt's last token merges with the response's first, so the two passes score different tokens; end the prompt with a space or newline.");
  }
  const baseIds = B.tokens.filter((t) => t.end <= baseText.length && !t.special).map((t) => t.id);
  const bos = B.options?.bos && model.info.bosTokenId !== null ? [model.info.bosTokenId] : [];
  return { ...A, di: buildDi(o, A, respA as TokenRecord[], respB as TokenRecord[], [...bos, ...baseIds]) };
}

/** Directed information on a remote server: two scoring requests (three when the seam merges). */
export async function remoteDirectedInformation(model: RemoteModel, o: TwoPassDiOptions): Promise<AnalysisResult> {
  const { baseText } = checkInput(o);
  const topK = o.topK ?? 5;
  const full = o.prompt + o.response;
  const base = baseText + o.response;
  const [rowsA, rowsB] = await Promise.all([model.scoreRows(full, { topK, signal: o.signal }), model.scoreRows(base, { topK, signal: o.signal })]);
  const tokB = rowsToTokens(base, rowsB, topK, model.info.vocabSize || null);
  const B = { tokens: tokB.tokens } as AnalysisResult;
  const respB = responseTokens(B, baseText.length) as TokenRecord[];
  const baselineTokenIds = rowsB.slice(0, rowsB.length - respB.length).map((r) => r.id ?? -1);
  let A = model.resultOfRows(full, rowsA, topK);
  let respA = responseTokens(A, o.prompt.length);
  if (!aligned(respA, respB)) {
    // Re-send the prompted pass as ids(prompt) + ids(response), so both passes score the same tokens.
    if (!model.caps.idPrompts || rowsB.some((r) => r.id === null)) throw limitations.idPrompts(model.endpoint);
    const rowsP = await model.scoreRows(o.prompt, { topK, signal: o.signal });
    if (rowsP.some((r) => r.id === null)) throw limitations.idPrompts(model.endpoint);
    const respRows = rowsB.slice(rowsB.length - respB.length);
    const rowsIds = await model.scoreRows([...rowsP.map((r) => r.id as number), ...respRows.map((r) => r.id as number)], { topK, signal: o.signal });
    const tokP = rowsToTokens(o.prompt, rowsP, topK, model.info.vocabSize || null);
    const shift = o.prompt.length - baseText.length;
    const spans = [
      ...rowsP.map((_, i) => (i < rowsP.length - tokP.tokens.length ? { start: 0, end: 0 } : { start: tokP.tokens[i - (rowsP.length - tokP.tokens.length)].start, end: tokP.tokens[i - (rowsP.length - tokP.tokens.length)].end })),
      ...respB.map((t) => ({ start: t.start + shift, end: t.end + shift })),
    ];
    A = model.resultOfRows(full, rowsIds, topK, spans);
    respA = responseTokens(A, o.prompt.length);
    if (!aligned(respA, respB)) throw new SemanticFlowError('protocol-mismatch', 'The server scored different response tokens in the two passes.');
  }
  A.summary = summarize(A.tokens, full);
  return { ...A, di: buildDi(o, A, respA as TokenRecord[], respB, baselineTokenIds) };
}
