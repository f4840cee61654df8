/**
 * Token → UTF-16 span mapping. Tokenizers in transformers.js give no offsets, so spans are derived
 * from each token's bytes, walked against the UTF-8 bytes of the source text (runtime-notes.md §2.6).
 * A token that starts or ends inside a multi-byte character is widened to the whole character, so
 * neighbouring spans may overlap (e.g. the pieces of 👍🏽). Tokens whose bytes are not in the text
 * (BOS, a synthetic SentencePiece "▁") get zero-width spans.
 */
import { SemanticFlowError } from './errors';
import { normalizedText, originalSpan, type NormalizationForm } from './normalizedText';

export type TokenizerKind = 'byte-level' | 'sentencepiece';

export interface TokenSpan {
  start: number;
  end: number;
}

let byteDecoderCache: Map<string, number> | null = null;

/** Inverse of GPT-2's bytes_to_unicode: printable stand-in character → byte value. */
export function byteLevelDecoder(): Map<string, number> {
  if (byteDecoderCache) return byteDecoderCache;
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++)
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  byteDecoderCache = new Map(cs.map((c, i) => [String.fromCodePoint(c), bs[i]]));
  return byteDecoderCache;
}

const utf8 = new TextEncoder();

/**
 * The bytes a vocabulary string stands for. `special` tokens (added tokens such as <|endoftext|>)
 * stand for their literal UTF-8 content.
 */
export function tokenBytes(kind: TokenizerKind, token: string, special = false): Uint8Array {
  if (special) return utf8.encode(token);
  if (kind === 'byte-level') {
    const dec = byteLevelDecoder();
    const out: number[] = [];
    for (const ch of token) {
      const b = dec.get(ch);
      if (b === undefined) return utf8.encode(token); // not a byte-level string: take it literally
      out.push(b);
    }
    return Uint8Array.from(out);
  }
  const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
  if (m) return Uint8Array.of(parseInt(m[1], 16));
  return utf8.encode(token.replace(/\u2581/g, ' '));
}

/** UTF-8 layout of a JS string: per byte, the UTF-16 index of the character it belongs to. */
export interface Utf8Layout {
  bytes: Uint8Array;
  /** u16Start[b]: UTF-16 start of the character containing byte b; index bytes.length = text.length. */
  u16Start: Int32Array;
  /** u16End[b]: UTF-16 end of the character containing byte b. */
  u16End: Int32Array;
  /** charLen[b]: at a character's first byte, its UTF-8 length; 0 at continuation bytes; 1 at bytes.length. */
  charLen: Uint8Array;
}

export function utf8Layout(text: string): Utf8Layout {
  const bytes = utf8.encode(text); // lone surrogates become U+FFFD (3 bytes), as every tokenizer sees them
  const n = bytes.length;
  const u16Start = new Int32Array(n + 1);
  const u16End = new Int32Array(n + 1);
  const charLen = new Uint8Array(n + 1);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    let units = 1,
      len: number;
    if (c < 0x80) len = 1;
    else if (c < 0x800) len = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      len = 4;
      units = 2;
    } else len = 3; // BMP, or a lone surrogate encoded as U+FFFD
    charLen[b] = len;
    for (let k = 0; k < len; k++) {
      u16Start[b + k] = i;
      u16End[b + k] = i + units;
    }
    b += len;
    i += units;
  }
  u16Start[n] = text.length;
  u16End[n] = text.length;
  charLen[n] = 1;
  return { bytes, u16Start, u16End, charLen };
}

/**
 * Where a SentencePiece tokenizer puts a "▁" the text does not hold. The tokenizer cuts the text at the
 * added tokens it contains (`<s>`, `</s>`) and normalizes and pre-tokenizes each stretch between them on
 * its own: a Prepend normalizer puts "▁" before every stretch, even one that starts with a space;
 * Metaspace's prepend_scheme "always" before every stretch that does not start with one, "first" only
 * before the stretch at the very start of the text (transformers.js's section_index 0).
 */
export interface PrependedSpace {
  before: 'every-stretch' | 'text-start';
  evenBeforeSpace: boolean;
}

export interface SpanOptions {
  /** SentencePiece models that prepend "▁": the leading space of a stretch's first token may be synthetic. */
  prependedSpace?: PrependedSpace | null;
  /** Per token: an added token the tokenizer cut the raw text at (default: bytes that look like `<s>` or `<|x|>`). */
  added?: readonly boolean[];
  /** The tokenizer normalizes the text to this Unicode form first (e.g. Qwen2's NFC): spans are found in the normalized text and mapped back. */
  normalization?: NormalizationForm | null;
}

/**
 * UTF-16 spans of `tokens` (each given as its bytes) in `text`. Throws `unsupported-model` when the
 * token bytes do not reproduce the text (a tokenizer that lower-cases, or a normalization not declared
 * in `options.normalization`).
 */
export function spansFromTokenBytes(text: string, tokens: Uint8Array[], options: SpanOptions = {}): TokenSpan[] {
  const view = options.normalization ? normalizedText(text, options.normalization) : null;
  if (view) return spansInText(view.text, tokens, options).map((s) => originalSpan(view, s, text.length));
  return spansInText(text, tokens, options);
}

function spansInText(text: string, tokens: Uint8Array[], options: SpanOptions): TokenSpan[] {
  const { bytes, u16Start, u16End, charLen } = utf8Layout(text);
  const spans: TokenSpan[] = [];
  let pos = 0;
  let stretchStart = true; // no token of the current stretch between added tokens seen yet
  const rule = options.prependedSpace ?? null;
  for (let t = 0; t < tokens.length; t++) {
    let tb = tokens[t];
    const added = options.added ? options.added[t] : isSpecialLike(tb);
    // The "▁" comes before everything the stretch holds (a Prepend normalizer makes " x" "▁▁x"): the
    // first space byte of the stretch's first token is synthetic.
    if (stretchStart && !added && tb.length > 0) {
      stretchStart = false;
      if (rule && prependsSpaceAt(rule, bytes, pos) && tb[0] === 0x20) tb = tb.subarray(1);
    }
    let matches = pos + tb.length <= bytes.length;
    for (let k = 0; matches && k < tb.length; k++) if (bytes[pos + k] !== tb[k]) matches = false;
    if (!matches || tb.length === 0) {
      // Not in the text (BOS/EOS/special added by a template): zero width at the current position.
      if (!matches && !added && !isSpecialLike(tokens[t])) {
        throw new SemanticFlowError(
          'unsupported-model',
          `The tokenizer changed the text near UTF-16 offset ${u16Start[Math.min(pos, bytes.length)]}; ` +
            'tokenizers that normalize text (lower-casing, Unicode normalization) are not supported.',
        );
      }
      const at = u16Start[Math.min(pos, bytes.length)];
      spans.push({ start: at, end: at });
      continue;
    }
    const s = pos,
      e = pos + tb.length;
    const start = u16Start[s];
    const end = e >= bytes.length ? text.length : charLen[e] !== 0 ? u16Start[e] : u16End[e - 1];
    spans.push({ start, end });
    pos = e;
    if (added) stretchStart = true;
  }
  if (pos !== bytes.length) {
    throw new SemanticFlowError(
      'unsupported-model',
      `The tokens cover ${pos} of ${bytes.length} UTF-8 bytes of the text; the tokenizer does not reproduce the text exactly.`,
    );
  }
  return spans;
}

function prependsSpaceAt(rule: PrependedSpace, bytes: Uint8Array, pos: number): boolean {
  return (rule.before === 'every-stretch' || pos === 0) && (rule.evenBeforeSpace || bytes[pos] !== 0x20);
}

// A token whose bytes look like "<|...|>" or "<s>"-style markup is a special token inserted by a template.
function isSpecialLike(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x3c && b[b.length - 1] === 0x3e;
}

/** Index of the token whose span contains UTF-16 `offset` (the last such token when spans overlap), or -1. */
export function tokenAt(spans: readonly TokenSpan[], offset: number): number {
  let lo = 0,
    hi = spans.length - 1,
    found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].start <= offset) {
      if (offset < spans[mid].end) found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found >= 0) return found;
  // overlapping spans: scan back a few tokens
  for (let i = Math.min(lo, spans.length - 1); i >= 0 && i >= lo - 4; i--) {
    if (spans[i].start <= offset && offset < spans[i].end) return i;
  }
  return -1;
}
