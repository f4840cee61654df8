/**
 * How token text looks in every view (terminal, hover, panel): characters a reader could not see made
 * visible, text cut to a length, a token's bytes shown when they are not whole characters. No Node or DOM
 * imports: the webview bundles this file too. Numbers for people are in core/units.ts, terminal columns
 * in core/displayWidth.ts.
 */

export const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
// biome-ignore lint/suspicious/noMisleadingCharacterClass: a run of zero-width code points, variation selectors alone included
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]+$/u;

/** True when `s` has characters but none that draws anything (a zero-width joiner, a lone combining mark). */
export const isInvisible = (s: string): boolean => ZERO_WIDTH.test(s);

/**
 * Where a token is shown. The rules for what cannot be seen are the same everywhere: a C0 or C1 control
 * character (U+0000–U+001F, U+007F–U+009F) as \xNN, a token with nothing to see as its code points
 * (<U+200D>), an empty token as ∅. What differs is whitespace, because each medium treats it differently:
 * - terminal: CLI tables, one line per token, often copied into code: line breaks and tabs as the escapes
 *   \n \r \t a programmer reads; a leading space as · (the word boundary of a BPE token), inner spaces kept
 *   so a column of words stays readable.
 * - markdown: a hover, one line in a table where Markdown trims and collapses spaces: every space as ·,
 *   a tab as →, a line break as ↵.
 * - strip: the panel's token strip (white-space: pre-wrap), which keeps the text's layout: a line break as
 *   ↵ that still breaks the line, a tab as → that still tabs, spaces as they are.
 * - label: chart and heatmap labels, one short line: ↵ and → without the break or the tab.
 */
export type TokenView = 'terminal' | 'markdown' | 'strip' | 'label';

const BREAKS: Record<TokenView, Record<string, string>> = {
  terminal: { '\r\n': '\\r\\n', '\r': '\\r', '\n': '\\n', '\t': '\\t' },
  markdown: { '\r\n': '↵', '\r': '↵', '\n': '↵', '\t': '→' },
  strip: { '\r\n': '↵\n', '\r': '↵\n', '\n': '↵\n', '\t': '→\t' },
  label: { '\r\n': '↵', '\r': '↵', '\n': '↵', '\t': '→' },
};

const hex2 = (c: string) => `\\x${(c.codePointAt(0) as number).toString(16).padStart(2, '0')}`;
const codePoint = (c: string) => `<U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}>`;

/** Token text with whitespace and invisible characters made visible for `view` (see TokenView). */
export function visibleToken(text: string, view: TokenView = 'terminal'): string {
  if (text === '') return '∅';
  const breaks = BREAKS[view];
  let v = text.replace(/\r\n|[\r\n\t]/g, (b) => breaks[b]).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, hex2);
  if (view === 'terminal') v = v.replace(/^ /, '·');
  if (view === 'markdown') v = v.replace(/ /g, '·');
  return isInvisible(v) ? [...v].map(codePoint).join('') : v;
}

/** `s` cut to at most `max` graphemes (a ZWJ emoji sequence counts once and is never split), ending in … when cut. */
export function fitLength(s: string, max: number): string {
  const parts = [...graphemes.segment(s)];
  return parts.length <= max
    ? s
    : parts
        .slice(0, Math.max(0, max - 1))
        .map((p) => p.segment)
        .join('') + '…';
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
