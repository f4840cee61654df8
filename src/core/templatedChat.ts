/**
 * A chat rendered through the model's template (LanguageModel.applyChatTemplate), with where each
 * message's content lies in the text. The template is applied once with every content swapped for a
 * marker: the text between markers is the template's own, so the real render is that frame with the
 * contents put back, each at a known place (searching the render for a content could find it inside
 * the template's own text, e.g. "s" in "</s>"). The real render must equal it exactly, with the contents
 * as given or all trimmed (templates that trim them); a template that rewrites contents otherwise
 * (escapes them), leaves one out or reorders them is refused.
 */
import type { ChatCapable, ChatMessage, TextRange } from './directedInput';
import { SemanticFlowError } from './errors';
import type { ScoringModel } from './scoringModel';

export interface TemplatedChat {
  text: string;
  /** UTF-16 range of each message's content in `text` (trimmed, where the template trims), in transcript order. */
  contents: TextRange[];
}

// Private-use characters: no template writes them, and they survive Jinja unchanged.
const marker = (k: number): string => `\uE000${k}\uE001`;
const MARKERS = /\uE000(\d+)\uE001/g;

/** The templated text of `messages` (no generation prompt) and each content's range in it; `purpose` says what a model without a template cannot do. */
export function templatedChat(
  model: ScoringModel & ChatCapable,
  messages: ChatMessage[],
  purpose: string,
): TemplatedChat {
  const render = model.applyChatTemplate?.bind(model);
  if (!render)
    throw new SemanticFlowError('unsupported-model', `The model ${model.info.id} has no chat template, so ${purpose}.`);
  const framed = render(messages.map((m, k) => ({ role: m.role, content: marker(k) })));
  const found = [...framed.matchAll(MARKERS)];
  const order = found.map((m) => Number(m[1]));
  if (order.length !== messages.length || order.some((k, i) => k !== i)) {
    const missing = messages.findIndex((_, k) => !order.includes(k));
    throw new SemanticFlowError(
      'unsupported-model',
      `The chat template of ${model.info.id} ${missing >= 0 ? `leaves out message ${missing + 1} (${messages[missing].role})` : 'repeats or reorders the messages'}, so the turns cannot be located in the templated text.`,
    );
  }
  // Templates that trim every content (Llama 3's `| trim`, Llama 2's strip()) are laid out on the trimmed contents.
  const rendered = render(messages);
  for (const contentOf of [(m: ChatMessage) => m.content, (m: ChatMessage) => m.content.trim()]) {
    const laid = fill(framed, found, messages.map(contentOf));
    if (laid.text === rendered) return laid;
  }
  throw new SemanticFlowError(
    'unsupported-model',
    `The chat template of ${model.info.id} changes the text of the messages (for example escapes it, or trims some messages but not others), so the turns cannot be located; remove leading and trailing spaces from the messages, or choose another model.`,
  );
}

/** The frame with each marker replaced by its content. */
function fill(framed: string, found: RegExpExecArray[], contents: string[]): TemplatedChat {
  let text = '';
  const ranges: TextRange[] = [];
  let from = 0;
  found.forEach((m, k) => {
    text += framed.slice(from, m.index);
    ranges.push({ start: text.length, end: text.length + contents[k].length });
    text += contents[k];
    from = m.index + m[0].length;
  });
  text += framed.slice(from);
  return { text, contents: ranges };
}
