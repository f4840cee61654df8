/**
 * What the span mapper needs to know about a tokenizer.json: byte-level or SentencePiece, whether a
 * "▁" is prepended to the text, which ids are special, and the vocabulary string of every id.
 */
import { SemanticFlowError } from '../../core/errors';
import type { NormalizationForm } from '../../core/normalizedText';
import { tokenBytes, type TokenizerKind } from '../../core/spans';

interface AddedToken { id: number; content: string; special?: boolean }

export interface TokenizerInfo {
  kind: TokenizerKind;
  prependedSpace: boolean;
  /** Unicode normalization the normalizer applies before tokenizing (Qwen2: NFC), or null. */
  normalization: NormalizationForm | null;
  /** Vocabulary string by id ('' for unused ids). */
  vocab: string[];
  specialIds: Set<number>;
  addedIds: Set<number>;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

export function tokenizerInfo(tokenizerJson: Record<string, unknown>, vocabMap: Map<string, number>): TokenizerInfo {
  const pre = json(tokenizerJson.pre_tokenizer), dec = json(tokenizerJson.decoder), norm = json(tokenizerJson.normalizer);
  const model = (tokenizerJson.model ?? {}) as Record<string, unknown>;
  let kind: TokenizerKind;
  if (pre.includes('"ByteLevel"') || dec.includes('"ByteLevel"')) kind = 'byte-level';
  else if (model.byte_fallback === true || dec.includes('ByteFallback') || pre.includes('Metaspace') || dec.includes('Metaspace')) kind = 'sentencepiece';
  else {
    throw new SemanticFlowError(
      'unsupported-model',
      'The tokenizer is neither byte-level BPE nor SentencePiece with byte fallback, so token spans cannot be mapped exactly.',
    );
  }
  const prependedSpace =
    kind === 'sentencepiece' &&
    ((norm.includes('"Prepend"') && norm.includes('\u2581')) ||
      /"prepend_scheme":"(first|always)"/.test(pre) ||
      /"add_prefix_space":true/.test(pre));
  const normalization = (/"type":"(NFC|NFKC|NFD|NFKD)"/.exec(norm)?.[1] ?? null) as NormalizationForm | null;
  let size = 0;
  for (const id of vocabMap.values()) size = Math.max(size, id + 1);
  const vocab = new Array<string>(size).fill('');
  for (const [s, id] of vocabMap) vocab[id] = s;
  const specialIds = new Set<number>(), addedIds = new Set<number>();
  for (const t of (tokenizerJson.added_tokens ?? []) as AddedToken[]) {
    addedIds.add(t.id);
    if (t.special) specialIds.add(t.id);
    if (t.id >= vocab.length) vocab.length = t.id + 1;
    vocab[t.id] = t.content;
  }
  return { kind, prependedSpace, normalization, vocab, specialIds, addedIds };
}

const utf8Lenient = new TextDecoder('utf-8', { fatal: false });

/** Bytes of one id: added tokens stand for their literal content. */
export const bytesOfId = (info: TokenizerInfo, id: number): Uint8Array =>
  tokenBytes(info.kind, info.vocab[id] ?? '', info.addedIds.has(id));

/** Display text of one id (partial UTF-8 shows as U+FFFD). */
export function displayTextOfId(info: TokenizerInfo, id: number): string {
  if (info.addedIds.has(id)) return info.vocab[id];
  return utf8Lenient.decode(bytesOfId(info, id));
}
