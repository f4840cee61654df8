/**
 * A text tokenized piece by piece (core/textPieces.ts) with the tokens and spans of one whole-text call,
 * so tokenizing holds one piece's intermediate strings at a time instead of the whole text's.
 */
import type { TokenizedText } from '../../core/scoringModel';
import type { TokenSpan } from '../../core/spans';
import { PIECE_CHARS, pieceCuts } from '../../core/textPieces';
import { spansOfIds, type TokenizerInfo } from './tokenizerInfo';

/** One tokenizer call on `text`: its ids and their spans. */
function tokenizeOnce(encode: (text: string) => number[], info: TokenizerInfo, text: string) {
  const ids = encode(text);
  return { ids, spans: spansOfIds(info, text, ids) };
}

export function tokenizeInPieces(
  encode: (text: string) => number[],
  info: TokenizerInfo,
  text: string,
  pieceChars = PIECE_CHARS,
): TokenizedText {
  const cuts = info.lineStartCuts ? pieceCuts(text, pieceChars) : [];
  const ids: number[] = [];
  const spans: TokenSpan[] = [];
  for (let k = 0; k <= cuts.length; k++) {
    // A piece after the first is tokenized from the line break before it, so that it opens as it does
    // inside the whole text (no synthetic "▁" joined to its first word); the line break's tokens (and
    // that "▁") end by offset 1 and belong to the previous piece.
    const from = k === 0 ? 0 : cuts[k - 1] - 1;
    const piece = tokenizeOnce(encode, info, text.slice(from, k < cuts.length ? cuts[k] : text.length));
    let first = 0;
    if (k > 0) while (first < piece.spans.length && piece.spans[first].end <= 1) first++;
    // Should a token still straddle the cut, the pieces are not the whole text's tokens: tokenize it whole.
    if (k > 0 && piece.spans[first]?.start !== 1) {
      const whole = tokenizeOnce(encode, info, text);
      return tokenized(info, whole.ids, whole.spans);
    }
    for (let i = first; i < piece.ids.length; i++) {
      ids.push(piece.ids[i]);
      spans.push({ start: piece.spans[i].start + from, end: piece.spans[i].end + from });
    }
  }
  return tokenized(info, ids, spans);
}

const tokenized = (info: TokenizerInfo, ids: number[], spans: TokenSpan[]): TokenizedText => ({
  ids,
  spans,
  special: ids.map((id) => info.specialIds.has(id)),
});
