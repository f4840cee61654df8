/**
 * What the two passes of directed information read: the text whose tokens are shown, the prompt and
 * response tokens cut from ONE tokenization of that text (BPE merges across a boundary, so pieces are
 * never re-tokenized), and the baseline context that replaces the prompt (measures.md, "Directed
 * information"). The baseline pass reuses exactly the response ids of the prompted pass.
 */
import { SemanticFlowError } from './errors';
import type { ScoringModel, TokenizedText } from './scoringModel';
import type { TokenSpan } from './spans';
import { templatedChat } from './templatedChat';

export interface ChatMessage {
  role: string;
  content: string;
}

/** Engines with a chat template (LanguageModel.applyChatTemplate). */
export interface ChatCapable {
  /** The jinja source applyChatTemplate renders, recorded in a chat's result. */
  readonly chatTemplate?: string | null;
  applyChatTemplate?(messages: ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
}

export interface TextRange {
  start: number;
  end: number;
}

/** Prompt and response as two texts, two UTF-16 ranges of one text, or a chat whose last message is the response. */
export type DirectedInput =
  | { prompt: string; response: string }
  | { text: string; promptRange: TextRange; responseRange: TextRange }
  | { messages: ChatMessage[] };

export type BaselineKind = 'bos' | 'neutral' | 'text';

/** The neutral context of a model without a chat template: a bare line break, as at the start of a document. */
export const NEUTRAL_TEXT = '\n';

export interface DirectedContext {
  source: 'texts' | 'ranges' | 'chat';
  text: string;
  tok: TokenizedText;
  /** Indices into `tok` of the prompted context: prompt tokens, then response tokens. */
  promptTokens: number[];
  responseTokens: number[];
  promptText: string;
  responseStart: number;
  responseEnd: number;
  /** The first response token begins before `responseStart` (a token merged across the cut). */
  cutInsideToken: boolean;
  baseline: BaselineKind;
  baselineText: string;
  baselineIds: number[];
  /** The baseline context opens with the BOS special token (a chat template). */
  baselineOpensWithBos: boolean;
}

export interface BaselineOptions {
  baseline?: BaselineKind;
  baselineText?: string;
}

/** First token that holds a character at or after `offset` (zero-width tokens at `offset` included). */
function firstFrom(spans: readonly TokenSpan[], offset: number): number {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (s.end > offset || (s.end === s.start && s.start >= offset)) return i;
  }
  return spans.length;
}

/** First token from `from` on that starts at or after `offset`. */
function firstAtOrAfter(spans: readonly TokenSpan[], offset: number, from: number): number {
  for (let i = from; i < spans.length; i++) if (spans[i].start >= offset) return i;
  return spans.length;
}

/** Tokens holding any character of `r`, as a half-open index range [begin, end). */
export function tokenRangeOf(spans: readonly TokenSpan[], r: TextRange): { begin: number; end: number } {
  const begin = firstFrom(spans, r.start);
  return { begin, end: Math.max(begin, firstAtOrAfter(spans, r.end, begin)) };
}

const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

function fromRanges(model: ScoringModel, text: string, p: TextRange, r: TextRange, source: DirectedContext['source']) {
  const ok = (x: TextRange) =>
    Number.isInteger(x.start) && Number.isInteger(x.end) && 0 <= x.start && x.start <= x.end && x.end <= text.length;
  if (!ok(p) || !ok(r)) {
    throw new SemanticFlowError(
      'bad-input',
      `The prompt range ${p.start}–${p.end} or the response range ${r.start}–${r.end} is not inside the text (0–${text.length}).`,
    );
  }
  if (p.end > r.start)
    throw new SemanticFlowError(
      'bad-input',
      `The prompt (${p.start}–${p.end}) must end before the response starts (${r.start}).`,
    );
  if (r.end === r.start)
    throw new SemanticFlowError('bad-input', 'The response is empty: there is nothing to measure.');
  const tok = model.tokenize(text);
  const rBegin = firstFrom(tok.spans, r.start);
  const rEnd = firstAtOrAfter(tok.spans, r.end, rBegin);
  const pBegin = firstFrom(tok.spans, p.start);
  const pEnd = Math.min(firstAtOrAfter(tok.spans, p.end, pBegin), rBegin);
  if (rEnd <= rBegin) throw new SemanticFlowError('bad-input', 'The response has no tokens.');
  return {
    source,
    text,
    tok,
    promptTokens: p.end > p.start ? range(pBegin, pEnd) : [],
    responseTokens: range(rBegin, rEnd),
    promptText: text.slice(p.start, p.end),
    responseStart: r.start,
    responseEnd: r.end,
    cutInsideToken: tok.spans[rBegin].start < r.start,
  };
}

function fromChat(model: ScoringModel & ChatCapable, messages: ChatMessage[]) {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'assistant' || messages.length < 2) {
    throw new SemanticFlowError(
      'bad-input',
      'A chat transcript needs at least one message before a last message from the assistant (the response).',
    );
  }
  if (last.content.length === 0)
    throw new SemanticFlowError('bad-input', 'The assistant message is empty: there is nothing to measure.');
  const { text, contents } = templatedChat(model, messages, 'a chat transcript cannot be scored');
  const response = contents[contents.length - 1];
  return fromRanges(model, text, { start: 0, end: response.start }, response, 'chat');
}

/** Tokenizes the input once and chooses the baseline context. */
export function directedContext(
  model: ScoringModel & ChatCapable,
  input: DirectedInput,
  o: BaselineOptions = {},
): DirectedContext {
  let base;
  if ('messages' in input) base = fromChat(model, input.messages);
  else if ('text' in input) base = fromRanges(model, input.text, input.promptRange, input.responseRange, 'ranges');
  else {
    if (input.response.length === 0)
      throw new SemanticFlowError('bad-input', 'The response is empty: there is nothing to measure.');
    const text = input.prompt + input.response;
    base = fromRanges(
      model,
      text,
      { start: 0, end: input.prompt.length },
      { start: input.prompt.length, end: text.length },
      'texts',
    );
  }
  const baseline = o.baseline ?? 'bos';
  let baselineText = '';
  if (baseline === 'text') {
    if (o.baselineText === undefined || o.baselineText.length === 0)
      throw new SemanticFlowError('bad-argument', 'The baseline `text` needs a non-empty baseline text.');
    baselineText = o.baselineText;
  } else if (baseline === 'neutral') {
    baselineText =
      base.source === 'chat' && model.applyChatTemplate
        ? model.applyChatTemplate([{ role: 'user', content: '' }], { addGenerationPrompt: true })
        : NEUTRAL_TEXT;
  }
  const bt = baselineText.length > 0 ? model.tokenize(baselineText) : { ids: [], special: [] };
  const baselineOpensWithBos = bt.ids.length > 0 && bt.ids[0] === model.info.bosTokenId && bt.special[0];
  return { ...base, baseline, baselineText, baselineIds: bt.ids, baselineOpensWithBos };
}
