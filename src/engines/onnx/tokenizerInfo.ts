/**
 * What the span mapper needs to know about a tokenizer.json: byte-level or SentencePiece, whether a
 * "▁" is prepended to the text, which ids are special, and the vocabulary string of every id.
 */
import { SemanticFlowError } from '../../core/errors';
import type { NormalizationForm } from '../../core/normalizedText';
import {
  spansFromTokenBytes,
  tokenBytes,
  type PrependedSpace,
  type TokenizerKind,
  type TokenSpan,
} from '../../core/spans';

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
  normalized?: boolean;
}

export interface TokenizerInfo {
  kind: TokenizerKind;
  /** Where the tokenizer puts a synthetic "▁" (SentencePiece), or null. */
  prependedSpace: PrependedSpace | null;
  /** Unicode normalization the normalizer applies before tokenizing (Qwen2: NFC), or null. */
  normalization: NormalizationForm | null;
  /** Vocabulary string by id ('' for unused ids). */
  vocab: string[];
  specialIds: Set<number>;
  addedIds: Set<number>;
  /** Added tokens found in the raw text (not normalized first): they cut it into stretches normalized apart. */
  cuttingIds: Set<number>;
  /** A long text may be tokenized piece by piece, cut at core/textPieces.ts's line starts, with the same tokens. */
  lineStartCuts: boolean;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

export function tokenizerInfo(tokenizerJson: Record<string, unknown>, vocabMap: Map<string, number>): TokenizerInfo {
  const pre = json(tokenizerJson.pre_tokenizer),
    dec = json(tokenizerJson.decoder),
    norm = json(tokenizerJson.normalizer);
  const model = (tokenizerJson.model ?? {}) as Record<string, unknown>;
  let kind: TokenizerKind;
  if (pre.includes('"ByteLevel"') || dec.includes('"ByteLevel"')) kind = 'byte-level';
  else if (
    model.byte_fallback === true ||
    dec.includes('ByteFallback') ||
    pre.includes('Metaspace') ||
    dec.includes('Metaspace')
  )
    kind = 'sentencepiece';
  else {
    throw new SemanticFlowError(
      'unsupported-model',
      'The tokenizer is neither byte-level BPE nor SentencePiece with byte fallback, so token spans cannot be mapped exactly.',
    );
  }
  const prependedSpace = kind === 'sentencepiece' ? prependedSpaceOf(norm, tokenizerJson.pre_tokenizer) : null;
  const normalization = (/"type":"(NFC|NFKC|NFD|NFKD)"/.exec(norm)?.[1] ?? null) as NormalizationForm | null;
  let size = 0;
  for (const id of vocabMap.values()) size = Math.max(size, id + 1);
  const vocab = new Array<string>(size).fill('');
  for (const [s, id] of vocabMap) vocab[id] = s;
  const specialIds = new Set<number>(),
    addedIds = new Set<number>(),
    cuttingIds = new Set<number>();
  for (const t of (tokenizerJson.added_tokens ?? []) as AddedToken[]) {
    addedIds.add(t.id);
    if (!t.normalized || tokenizerJson.normalizer == null) cuttingIds.add(t.id);
    if (t.special) specialIds.add(t.id);
    if (t.id >= vocab.length) vocab.length = t.id + 1;
    vocab[t.id] = t.content;
  }
  const lineStartCuts = cutsAtLineStarts(tokenizerJson, kind);
  return { kind, prependedSpace, normalization, vocab, specialIds, addedIds, cuttingIds, lineStartCuts };
}

// Pre-tokenizer regular expressions that end a pre-token at a line break before a letter or digit.
const LLAMA3_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const KNOWN_SPLITS = new Set([LLAMA3_SPLIT, LLAMA3_SPLIT.replace('\\p{N}{1,3}', '\\p{N}')]);

type Step = {
  type?: string;
  normalizers?: Step[];
  pretokenizers?: Step[];
  pattern?: { Regex?: string; String?: string };
  add_prefix_space?: boolean;
};
const steps = (s: Step | null | undefined): Step[] =>
  s ? (s.type === 'Sequence' ? [...(s.normalizers ?? []), ...(s.pretokenizers ?? [])].flatMap(steps) : [s]) : [];
const newlineSymbol = (kind: TokenizerKind) => (kind === 'byte-level' ? '\u010a' : '\n');

/**
 * Whether core/textPieces.ts's cuts leave the tokens as they are in the whole text: normalizers and
 * pre-tokenizers known to keep the cut a boundary (or to leave it inside one word that BPE sees whole),
 * no added token that a cut could split or strip, and no BPE merge that joins a line break to a letter
 * or digit after it. Anything else is tokenized in one call.
 */
function cutsAtLineStarts(tokenizerJson: Record<string, unknown>, kind: TokenizerKind): boolean {
  const model = (tokenizerJson.model ?? {}) as { type?: string; merges?: (string | string[])[] };
  if (model.type !== 'BPE' || !Array.isArray(model.merges)) return false;
  const normalizersKnown = steps(tokenizerJson.normalizer as Step).every(
    (n) => n.type === 'NFC' || n.type === 'Prepend' || (n.type === 'Replace' && n.pattern?.String === ' '),
  );
  const preTokenizersKnown = steps(tokenizerJson.pre_tokenizer as Step).every(
    (p) =>
      (p.type === 'ByteLevel' && p.add_prefix_space !== true) ||
      p.type === 'Metaspace' ||
      p.type === 'Digits' ||
      (p.type === 'Split' && KNOWN_SPLITS.has(p.pattern?.Regex ?? '')),
  );
  const added = (tokenizerJson.added_tokens ?? []) as AddedToken[];
  if (!normalizersKnown || !preTokenizersKnown || added.some((t) => /\n|^[A-Za-z0-9]/.test(t.content))) return false;
  const nl = newlineSymbol(kind);
  return !model.merges.some((m) => {
    const [left, right] = typeof m === 'string' ? m.split(' ', 2) : m;
    return left.endsWith(nl) && /^[A-Za-z0-9]/.test(right ?? '');
  });
}

/** As transformers.js tokenizes: a Prepend("▁") normalizer, else a Metaspace pre-tokenizer (prepend_scheme "always" by default). */
function prependedSpaceOf(norm: string, pre: unknown): PrependedSpace | null {
  if (norm.includes('"Prepend"') && norm.includes('\u2581')) return { before: 'every-stretch', evenBeforeSpace: true };
  const meta = metaspaceOf(pre);
  if (!meta || meta.prepend_scheme === 'never') return null;
  return { before: meta.prepend_scheme === 'first' ? 'text-start' : 'every-stretch', evenBeforeSpace: false };
}

/** The Metaspace step of a pre-tokenizer (alone or in a Sequence). */
function metaspaceOf(pre: unknown): { prepend_scheme?: string } | undefined {
  const p = pre as { type?: string; pretokenizers?: unknown[]; prepend_scheme?: string } | null;
  if (p?.type === 'Metaspace') return p;
  return p?.pretokenizers?.map(metaspaceOf).find(Boolean);
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

/**
 * UTF-16 spans in `text` of the `ids` this tokenizer gave for exactly that text (core/spans.ts).
 * A SentencePiece tokenizer turns every space into "▁" before it cuts the text, so a "▁" the text itself
 * holds is, to the model, a space: its tokens carry it as one. The spans are found in the text with each
 * "▁" read as a space; both are one UTF-16 unit, so the spans are the same in the text as given.
 */
export function spansOfIds(info: TokenizerInfo, text: string, ids: readonly number[]): TokenSpan[] {
  return spansFromTokenBytes(
    info.kind === 'sentencepiece' ? text.replace(/\u2581/g, ' ') : text,
    ids.map((id) => bytesOfId(info, id)),
    {
      prependedSpace: info.prependedSpace,
      normalization: info.normalization,
      added: ids.map((id) => info.cuttingIds.has(id)),
    },
  );
}
