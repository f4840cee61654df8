/**
 * The tokenizer of a model folder, loaded through transformers.js (local files only) and typed to the
 * three things the engine uses: encode without special tokens, the vocabulary, and the chat template.
 */
import { AutoTokenizer, env } from '@huggingface/transformers';
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

export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  let t: PreTrainedTokenizer;
  try {
    t = (await AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as PreTrainedTokenizer;
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
