/**
 * Where each message of a chat transcript lies in the model's templated text, token by token
 * (measures.md, "Directed information in a dialogue", Passes). The template is applied once through the
 * model (LanguageModel.applyChatTemplate) with every content swapped for a marker: the text between
 * markers is the template's own, so the real render is that frame with the contents put back. The real
 * render must equal it exactly (a template that rewrites contents, e.g. trims them, is refused), and is
 * tokenized once; a message owns the tokens holding any of its characters.
 */
import type { ChatCapable, ChatMessage } from './directedInput';
import { tokenRangeOf } from './directedInput';
import { SemanticFlowError } from './errors';
import type { ScoringModel, TokenizedText } from './scoringModel';

export interface MessageSpan {
  /** Position in the transcript. */
  message: number;
  role: string;
  /** UTF-16 range of the content in the templated text. */
  start: number;
  end: number;
  /** [tokenStart, tokenEnd) of the content's tokens. */
  tokenStart: number;
  tokenEnd: number;
}

export interface ChatLayout {
  text: string;
  tok: TokenizedText;
  messages: MessageSpan[];
}

// Private-use characters: no template writes them, and they survive Jinja unchanged.
const marker = (k: number): string => `\uE000${k}\uE001`;
const MARKERS = /\uE000(\d+)\uE001/g;

export function chatLayout(model: ScoringModel & ChatCapable, messages: ChatMessage[]): ChatLayout {
  if (!model.applyChatTemplate) throw new SemanticFlowError('unsupported-model', `The model ${model.info.id} has no chat template, so a dialogue cannot be laid out in the form it was trained on; choose a chat model.`);
  const framed = model.applyChatTemplate(messages.map((m, k) => ({ role: m.role, content: marker(k) })));
  const found = [...framed.matchAll(MARKERS)];
  const order = found.map((m) => Number(m[1]));
  if (order.length !== messages.length || order.some((k, i) => k !== i)) {
    const missing = messages.findIndex((_, k) => !order.includes(k));
    throw new SemanticFlowError('unsupported-model', `The chat template of ${model.info.id} ${missing >= 0 ? `leaves out message ${missing + 1} (${messages[missing].role})` : 'repeats or reorders the messages'}, so the turns cannot be located in the templated text.`);
  }
  let text = '';
  const ranges: { start: number; end: number }[] = [];
  let from = 0;
  found.forEach((m, k) => {
    text += framed.slice(from, m.index);
    ranges.push({ start: text.length, end: text.length + messages[k].content.length });
    text += messages[k].content;
    from = m.index! + m[0].length;
  });
  text += framed.slice(from);
  if (model.applyChatTemplate(messages) !== text) {
    throw new SemanticFlowError('unsupported-model', `The chat template of ${model.info.id} changes the text of the messages (for example trims or escapes it), so the turns cannot be located; remove leading and trailing spaces from the messages, or choose another model.`);
  }
  const tok = model.tokenize(text);
  const spans = messages.map((m, k) => {
    const r = ranges[k];
    const t = r.end > r.start ? tokenRangeOf(tok.spans, r) : { begin: 0, end: 0 };
    return { message: k, role: m.role, start: r.start, end: r.end, tokenStart: t.begin, tokenEnd: t.end };
  });
  const filled = spans.filter((s) => s.tokenEnd > s.tokenStart);
  for (let i = 1; i < filled.length; i++) {
    if (filled[i].tokenStart < filled[i - 1].tokenEnd) {
      throw new SemanticFlowError('unsupported-model', `Messages ${filled[i - 1].message + 1} and ${filled[i].message + 1} share a token in the templated text of ${model.info.id} (its template puts nothing between them), so their turns cannot be told apart.`);
    }
  }
  return { text, tok, messages: spans };
}

/**
 * The ids of a pass in which the content tokens of every message of `role` are replaced by `baselineIds`,
 * and where each original token went (−1 for a replaced one).
 */
export function splicedIds(layout: ChatLayout, role: string, baselineIds: readonly number[]): { ids: number[]; position: Int32Array } {
  const ids: number[] = [];
  const position = new Int32Array(layout.tok.ids.length).fill(-1);
  const replaced = layout.messages.filter((m) => m.role === role && m.tokenEnd > m.tokenStart);
  let next = 0;
  for (let i = 0; i < layout.tok.ids.length; i++) {
    const m = replaced[next];
    if (m && i === m.tokenStart) {
      ids.push(...baselineIds);
      i = m.tokenEnd - 1;
      next++;
      continue;
    }
    position[i] = ids.length;
    ids.push(layout.tok.ids[i]);
  }
  return { ids, position };
}
