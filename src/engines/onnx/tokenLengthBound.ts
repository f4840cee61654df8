/**
 * The most UTF-8 bytes of a text that one token can stand for, read from tokenizer.json: with it, a
 * prompt of B bytes has at least ⌈B / bound⌉ tokens, so a prompt far over the context window is refused
 * without tokenizing it (serve; vLLM likewise says "at least"). Infinity when the tokenizer may drop or
 * fuse text without limit (a normalizer or pre-tokenizer that removes characters, fused unknown tokens).
 */
import { bytesOfId, type TokenizerInfo } from './tokenizerInfo';

type Json = Record<string, unknown> | null | undefined;

/** Unicode normal forms and case mapping turn a character into at least one byte; a UTF-8 character has at most four. */
const UNICODE_SHRINK = 4;
const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** How many times fewer bytes a normalizer can leave of a text (1: never fewer). */
function normalizerShrink(n: Json): number {
  if (!n) return 1;
  switch (n.type) {
    case 'Sequence':
      return Math.max(1, ...((n.normalizers ?? []) as Json[]).map(normalizerShrink));
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
    case 'Lowercase':
      return UNICODE_SHRINK;
    case 'Prepend':
      return 1;
    case 'Replace': {
      const pattern = (n.pattern as { String?: unknown } | undefined)?.String;
      return typeof pattern === 'string' &&
        typeof n.content === 'string' &&
        utf8Length(n.content) >= utf8Length(pattern)
        ? 1
        : Infinity;
    }
    default:
      return Infinity;
  }
}

/** Pre-tokenizers that keep every character (they only split, or mark spaces). */
function preTokenizerKeeps(p: Json): boolean {
  if (!p) return true;
  switch (p.type) {
    case 'Sequence':
      return ((p.pretokenizers ?? []) as Json[]).every(preTokenizerKeeps);
    case 'ByteLevel':
    case 'Metaspace':
    case 'Digits':
    case 'UnicodeScripts':
      return true;
    case 'Split':
    case 'Punctuation':
      return p.behavior !== 'Removed';
    default:
      return false;
  }
}

export function textBytesPerToken(tokenizerJson: Record<string, unknown>, info: TokenizerInfo): number {
  const model = (tokenizerJson.model ?? {}) as Record<string, unknown>;
  if (model.fuse_unk === true && model.byte_fallback !== true) return Infinity;
  if (!preTokenizerKeeps(tokenizerJson.pre_tokenizer as Json)) return Infinity;
  const shrink = normalizerShrink(tokenizerJson.normalizer as Json);
  if (!Number.isFinite(shrink)) return Infinity;
  // An unknown token stands for one character: up to 4 bytes.
  let longest = 4;
  for (let id = 0; id < info.vocab.length; id++) longest = Math.max(longest, bytesOfId(info, id).length);
  return longest * shrink;
}
