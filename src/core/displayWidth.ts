/**
 * Text on a fixed-width terminal: display width in columns, padding and cutting by that width. The CLI's
 * tables use it; the webview does not (a proportional font has no columns), so it stays out of core/display.
 */
import { eastAsianWidth } from 'get-east-asian-width';
import { graphemes, isInvisible } from './display';

const EMOJI_PRESENTATION =
  /\p{Emoji_Presentation}|\u{FE0F}|\p{Extended_Pictographic}\u{200D}|\p{Regional_Indicator}{2}/u;

/** Columns one grapheme takes on a terminal: 0 (joiners, marks), 1, or 2 (wide East Asian, emoji). */
function graphemeWidth(g: string): number {
  if (isInvisible(g)) return 0;
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
