/**
 * Where a long text is cut so that each piece can be tokenized on its own: tokenizing a 2 MB text in one
 * call holds every pre-token, symbol and byte array of the whole text at once (hundreds of MB that the
 * garbage collector returns late), while pieces hold one piece's worth.
 *
 * A cut goes just after a line break that follows a character other than white space and precedes an
 * ASCII letter or digit. There the regular expressions of byte-level tokenizers (GPT-2's, Llama 3's,
 * Qwen2's) always end one pre-token and start the next, whether or not the text goes on (their
 * `\s+(?!\S)` look-ahead would join white space before the line break to it at the end of a piece), and
 * NFC composes nothing across it. Whether a tokenizer's merges can still join across it is the
 * tokenizer's question (engines/onnx/tokenizerInfo.ts: lineStartCuts).
 */

/** Characters per piece (about 16,000 tokens of English): large enough that a piece costs little per call. */
export const PIECE_CHARS = 65_536;

const LETTER_OR_DIGIT = /[A-Za-z0-9]/;
const SPACE = /\s/;

/** The offsets where pieces after the first begin, each at least `pieceChars` after the previous one. */
export function pieceCuts(text: string, pieceChars = PIECE_CHARS): number[] {
  const cuts: number[] = [];
  let from = pieceChars;
  while (from < text.length) {
    const nl = text.indexOf('\n', from - 1);
    if (nl < 0) break;
    const cut = nl + 1;
    if (cut < text.length && nl > 0 && LETTER_OR_DIGIT.test(text[cut]) && !SPACE.test(text[nl - 1])) {
      cuts.push(cut);
      from = cut + pieceChars;
    } else from = cut + 1;
  }
  return cuts;
}
