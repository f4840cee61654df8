/**
 * Directed information from a prompt X to a response Y with two scoring passes (measures.md, "Directed
 * information"): iota_t = log2 p(y_t | x, y_<t) − log2 p~(y_t | y_<t), from the prompted text and the
 * baseline text (BOS only, or a replacement text) followed by the same response tokens. Needs only
 * per-token log-probs, so it works on any LanguageModel, remote ones included. KL (and with it the
 * compensator, residual and z) needs full distributions: remotely it is unavailable and left NaN, which
 * result JSON writes as null.
 *
 * When the prompt's last token merges with the response's first, that token belongs to the response, as
 * in core's directed information (directedInput.ts): the baseline pass then scores it too, and the
 * result says cutInsideToken.
 */
import { SemanticFlowError } from '../../core/errors';
import type { AnalysisResult, DiTokenRecord, DirectedInformation, TokenRecord } from '../../core/result';
import type { LanguageModel } from '../languageModel';
import type { TokenSpan } from '../../core/spans';

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
  if (o.response.length === 0)
    throw new SemanticFlowError('bad-input', 'Directed information needs a response: it is empty.');
  if (o.prompt.length === 0)
    throw new SemanticFlowError('bad-input', 'Directed information needs a prompt: it is empty.');
  const baseline = o.baseline ?? 'bos';
  if ((baseline as string) === 'neutral')
    throw new SemanticFlowError(
      'bad-argument',
      'The neutral (chat template) baseline needs the local engine; use bos or text remotely.',
    );
  if (baseline === 'text' && !o.baselineText)
    throw new SemanticFlowError('bad-argument', 'The text baseline needs a baseline text.');
  return { baseText: baseline === 'text' ? (o.baselineText as string) : '' };
}

/**
 * Response tokens of the prompted pass by core's rule (directedInput.ts): every token from the first one
 * holding a character of the response, so a token that BPE merged across the cut belongs to the response.
 */
function promptedResponse(r: AnalysisResult, from: number): TokenRecord[] {
  const first = r.tokens.findIndex((t) => !t.special && t.end > from);
  return first < 0 ? [] : r.tokens.slice(first).filter((t) => !t.special);
}

/** Response tokens of a baseline pass: those from `from` on; null when one straddles `from`. */
function baselineResponse(r: AnalysisResult, from: number): TokenRecord[] | null {
  if (r.tokens.some((t) => t.start < from && t.end > from && !t.special)) return null;
  return r.tokens.filter((t) => t.start >= from && !t.special);
}

function aligned(a: TokenRecord[], b: TokenRecord[] | null): b is TokenRecord[] {
  return (
    b !== null &&
    a.length === b.length &&
    a.every((t, i) => sameToken(t, b[i]) && t.end - t.start === b[i].end - b[i].start)
  );
}

/** The tokens of a pass before `baseLength` (the BOS the engine added first, empty): ids and spans. */
function baselinePart(
  model: LanguageModel,
  B: AnalysisResult,
  baseLength: number,
): { ids: number[]; spans: TokenSpan[] } {
  const bos = B.options?.bos && model.info.bosTokenId !== null ? [model.info.bosTokenId] : [];
  const own = B.tokens.filter((t) => t.end <= baseLength && !t.special);
  return {
    ids: [...bos, ...own.map((t) => t.id)],
    spans: [...bos.map(() => ({ start: 0, end: 0 })), ...own.map((t) => ({ start: t.start, end: t.end }))],
  };
}

/** The di object from the prompted result and the paired baseline tokens. */
function buildDi(
  o: TwoPassDiOptions,
  prompted: AnalysisResult,
  respA: TokenRecord[],
  respB: TokenRecord[],
  baselineTokenIds: number[],
): DirectedInformation {
  const tokens: DiTokenRecord[] = [];
  let total = 0,
    promptedBits = 0,
    baselineBits = 0;
  respA.forEach((a, i) => {
    const b = respB[i];
    if (!scored(a) || !scored(b)) return;
    const iota = (b.surprisalBits as number) - (a.surprisalBits as number);
    total += iota;
    promptedBits += a.surprisalBits as number;
    baselineBits += b.surprisalBits as number;
    tokens.push({
      index: a.index,
      id: a.id,
      text: a.text,
      start: a.start,
      end: a.end,
      iotaBits: iota,
      klBits: NaN,
      compensatorBits: NaN,
      residualBits: NaN,
      z: null,
      surprisalBits: a.surprisalBits as number,
      baselineSurprisalBits: b.surprisalBits as number,
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
    responseTokenStart: respA[0]?.index,
    cutInsideToken: respA.length > 0 && respA[0].start < o.prompt.length,
    promptedResponseBits: promptedBits,
    baselineResponseBits: baselineBits,
  };
}

/** How a two-pass form scores: texts always; token ids (with the spans to show) where the engine takes them. */
interface Passes {
  text(text: string): Promise<AnalysisResult>;
  ids: ((ids: number[], text: string, spans: TokenSpan[]) => Promise<AnalysisResult>) | null;
}

/**
 * The prompted pass scores prompt + response; the baseline pass scores the baseline before the same
 * response tokens. When a token straddles the cut, the baseline pass is re-scored before the text of
 * the response's tokens (from where the merged token starts), and as token ids where the engine takes
 * them and the texts still tokenize differently.
 */
async function twoPasses(model: LanguageModel, o: TwoPassDiOptions, passes: Passes): Promise<AnalysisResult> {
  const { baseText } = checkInput(o);
  const full = o.prompt + o.response;
  const [A, first] = await Promise.all([passes.text(full), passes.text(baseText + o.response)]);
  const respA = promptedResponse(A, o.prompt.length);
  if (respA.length === 0) throw new SemanticFlowError('bad-input', 'The response has no tokens.');
  const from = respA[0].start;
  let B = first;
  let respB = baselineResponse(B, baseText.length);
  if (!aligned(respA, respB) && from < o.prompt.length) {
    B = await passes.text(baseText + full.slice(from));
    respB = baselineResponse(B, baseText.length);
  }
  if (!aligned(respA, respB)) {
    if (!passes.ids || respA.some((t) => t.id < 0)) {
      throw new SemanticFlowError(
        'bad-input',
        'The response tokenizes differently after the baseline than after the prompt, so the two passes would score different tokens (a server that takes token ids avoids this); end the baseline text with a space or newline.',
      );
    }
    // The baseline's own tokens (tokenized alone, as core does), then the prompted pass's response ids.
    const base = baselinePart(model, baseText.length > 0 ? await passes.text(baseText) : B, baseText.length);
    const shift = baseText.length - from;
    const spans = [...base.spans, ...respA.map((t) => ({ start: t.start + shift, end: t.end + shift }))];
    B = await passes.ids([...base.ids, ...respA.map((t) => t.id)], baseText + full.slice(from), spans);
    respB = baselineResponse(B, baseText.length);
    if (!aligned(respA, respB))
      throw new SemanticFlowError(
        'protocol-mismatch',
        'The server scored different response tokens in the two passes.',
      );
  }
  return { ...A, di: buildDi(o, A, respA, respB, baselinePart(model, B, baseText.length).ids) };
}

/**
 * Two scoring passes on any LanguageModel (two requests to a server, three or four when a token straddles the
 * cut); where the engine takes token ids (`analyzeIds`), a baseline that tokenizes differently goes as ids.
 */
export async function twoPassDirectedInformation(model: LanguageModel, o: TwoPassDiOptions): Promise<AnalysisResult> {
  const opts = { topK: o.topK ?? 5, bos: true, signal: o.signal };
  const byIds = model.analyzeIds;
  return twoPasses(model, o, {
    text: (t) => model.analyze(t, opts),
    ids: byIds ? (ids, text, spans) => byIds(ids, text, spans, opts) : null,
  });
}
