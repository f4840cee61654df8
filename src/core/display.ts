/**
 * Token text and numbers for fixed-width (terminal) views: display width in columns, padding and
 * truncation by that width, tokens made visible, bytes of a partial character shown as bytes.
 */
import { eastAsianWidth } from 'get-east-asian-width';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
// biome-ignore lint/suspicious/noMisleadingCharacterClass: a run of zero-width code points, variation selectors alone included
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]+$/u;
const EMOJI_PRESENTATION =
  /\p{Emoji_Presentation}|\u{FE0F}|\p{Extended_Pictographic}\u{200D}|\p{Regional_Indicator}{2}/u;

/** Columns one grapheme takes on a terminal: 0 (joiners, marks), 1, or 2 (wide East Asian, emoji). */
function graphemeWidth(g: string): number {
  if (ZERO_WIDTH.test(g)) return 0;
  if (EMOJI_PRESENTATION.test(g)) return 2;
  return eastAsianWidth(g.codePointAt(0) as number, { ambiguousAsWide: false });
}

/** Columns `s` takes on a terminal (East Asian Width, emoji presentation, zero-width marks). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const { segment } of graphemes.segment(s)) w += graphemeWidth(segment);
  return w;
}

/** `s` cut to at most `width` columns, whole graphemes only, ending in … when cut. */
export function fitWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '',
    w = 0;
  for (const { segment } of graphemes.segment(s)) {
    const g = graphemeWidth(segment);
    if (w + g > width - 1) break;
    out += segment;
    w += g;
  }
  return out + '…';
}

export const padEnd = (s: string, width: number): string => s + ' '.repeat(Math.max(0, width - displayWidth(s)));
export const padStart = (s: string, width: number): string => ' '.repeat(Math.max(0, width - displayWidth(s))) + s;

/** A number with fixed decimals, or — when it does not exist. */
export const num = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

const codePoint = (c: string) => `<U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}>`;

/**
 * Token text safe and visible on a terminal: line breaks and tabs escaped, control characters as \xNN,
 * a leading space as ·, and a token with nothing to see (a zero-width joiner, a lone combining mark)
 * as its code points.
 */
export function visibleToken(text: string): string {
  const v = text
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/^ /, '·');
  return v !== '' && displayWidth(v) === 0 ? [...v].map(codePoint).join('') : v;
}

const byteLabel = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Length of the valid UTF-8 sequence starting at `i`, or 0. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
  if (n === 0 || i + n > bytes.length) return 0;
  try {
    strictUtf8.decode(bytes.subarray(i, i + n));
    return n;
  } catch {
    return 0;
  }
}

/**
 * A token's bytes as text: whole characters decoded, the bytes of a partial character shown as
 * <0xE2> (the notation of byte-fallback vocabularies) instead of U+FFFD.
 */
export function bytesAsText(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // a partial character: decoded piece by piece below
  }
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      out += byteLabel(bytes[i]);
      i += 1;
    } else {
      out += strictUtf8.decode(bytes.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}
