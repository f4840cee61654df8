/**
 * The tokenizer of a model folder, built by transformers.js from the tokenizer.json and
 * tokenizer_config.json the folder check already parsed (parsing a large vocabulary again cost 0.2–0.4 s
 * and a second copy on the heap), and typed to the three things the engine uses: encode without special
 * tokens, the vocabulary, and the chat template.
 */
import * as transformers from '@huggingface/transformers';
import { SemanticFlowError } from '../../core/errors';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface TextTokenizer {
  encode(text: string): number[];
  vocab(): Map<string, number>;
  /** The templated text; only called when tokenizer_config.json has a chat template. */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt: boolean): string;
}

/** What transformers.js's PreTrainedTokenizer offers, as far as it is used here. */
interface PreTrainedTokenizer {
  encode(text: string, o: { add_special_tokens: boolean }): number[];
  get_vocab(): Map<string, number>;
  apply_chat_template(messages: ChatMessage[], o: { tokenize: false; add_generation_prompt: boolean }): string;
}

type TokenizerClass = new (json: Record<string, unknown>, config: Record<string, unknown>) => PreTrainedTokenizer;

/** The class AutoTokenizer would choose: tokenizer_class without "Fast", else the base class. */
export function tokenizerClass(config: Record<string, unknown>): TokenizerClass {
  const base = transformers.PreTrainedTokenizer as unknown as TokenizerClass;
  const name = typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : '';
  const cls = (transformers as unknown as Record<string, unknown>)[name];
  return typeof cls === 'function' && cls.prototype instanceof base ? (cls as TokenizerClass) : base;
}

/** The tokenizer of the folder DIR from its parsed tokenizer.json and tokenizer_config.json ({} when absent). */
export function textTokenizerOf(
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
  dir: string,
): TextTokenizer {
  let t: PreTrainedTokenizer;
  try {
    t = new (tokenizerClass(tokenizerConfig))(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new SemanticFlowError(
      'model-corrupt',
      `The tokenizer in ${dir} could not be loaded (${String((e as Error).message).split('\n')[0]}).`,
    );
  }
  return {
    encode: (text) => t.encode(text, { add_special_tokens: false }),
    vocab: () => t.get_vocab(),
    applyChatTemplate: (messages, addGenerationPrompt) =>
      t.apply_chat_template(messages, { tokenize: false, add_generation_prompt: addGenerationPrompt }),
  };
}
