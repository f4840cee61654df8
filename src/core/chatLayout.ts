/**
 * Where each message of a chat transcript lies in the model's templated text, token by token
 * (measures.md, "Directed information in a dialogue", Passes): the text and the contents' ranges come
 * from templatedChat, the text is tokenized once, and a message owns the tokens holding any of its characters.
 */
import type { ChatCapable, ChatMessage } from './directedInput';
import { tokenRangeOf } from './directedInput';
import { SemanticFlowError } from './errors';
import type { ScoringModel, TokenizedText } from './scoringModel';
import { templatedChat } from './templatedChat';

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

export function chatLayout(model: ScoringModel & ChatCapable, messages: ChatMessage[]): ChatLayout {
  const { text, contents: ranges } = templatedChat(
    model,
    messages,
    'a dialogue cannot be laid out in the form it was trained on; choose a chat model',
  );
  const tok = model.tokenize(text);
  const spans = messages.map((m, k) => {
    const r = ranges[k];
    const t = r.end > r.start ? tokenRangeOf(tok.spans, r) : { begin: 0, end: 0 };
    return { message: k, role: m.role, start: r.start, end: r.end, tokenStart: t.begin, tokenEnd: t.end };
  });
  const filled = spans.filter((s) => s.tokenEnd > s.tokenStart);
  for (let i = 1; i < filled.length; i++) {
    if (filled[i].tokenStart < filled[i - 1].tokenEnd) {
      throw new SemanticFlowError(
        'unsupported-model',
        `Messages ${filled[i - 1].message + 1} and ${filled[i].message + 1} share a token in the templated text of ${model.info.id} (its template puts nothing between them), so their turns cannot be told apart.`,
      );
    }
  }
  return { text, tok, messages: spans };
}

/**
 * The ids of a pass in which the content tokens of every message of `role` are replaced by `baselineIds`,
 * and where each original token went (−1 for a replaced one).
 */
export function splicedIds(
  layout: ChatLayout,
  role: string,
  baselineIds: readonly number[],
): { ids: number[]; position: Int32Array } {
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
