/** The Llama-family fixtures (test/fixtures/models/README.md) and a text that exercises each tokenizer kind. */
import { join } from 'node:path';

export const MODELS = join(__dirname, '..', 'fixtures', 'models');
export const FAMILIES = ['tiny-llama-instruct', 'tiny-llama2-chat', 'tiny-smollm2-instruct', 'tiny-qwen2-instruct'];
/** English, code, a number, an emoji and a decomposed accent (NFC composes it for Qwen2). */
export const FAMILY_TEXT =
  'The river was low that summer, and the children walked along its stony bed.\nA cafe\u0301 sold 12 pears; 😀 x = f(y)!';
