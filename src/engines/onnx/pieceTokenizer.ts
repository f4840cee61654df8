/**
 * A text tokenized piece by piece (core/textPieces.ts) with the tokens and spans of one whole-text call,
 * so tokenizing holds one piece's intermediate strings at a time instead of the whole text's. The tokens go
 * to a sink as each piece is done: arrays of numbers and span objects, or typed arrays (core/packedTokens.ts)
 * for a streamed analysis, which then never holds the whole text's tokens as objects.
 */
import { PackedTokenSink, type PackedTokens, type TokenSink } from '../../core/packedTokens';
import type { TokenizedText } from '../../core/scoringModel';
import type { TokenSpan } from '../../core/spans';
import { PIECE_CHARS, pieceCuts } from '../../core/textPieces';
import { spansOfIds, type TokenizerInfo } from './tokenizerInfo';

type Encode = (text: string) => number[];

/** One tokenizer call on `text`: its ids and their spans. */
function tokenizeOnce(encode: Encode, info: TokenizerInfo, text: string) {
  const ids = encode(text);
  return { ids, spans: spansOfIds(info, text, ids) };
}

function tokenizeInto(encode: Encode, info: TokenizerInfo, text: string, sink: TokenSink, pieceChars: number): void {
  const cuts = info.lineStartCuts ? pieceCuts(text, pieceChars) : [];
  const push = (id: number, start: number, end: number) => sink.push(id, start, end, info.specialIds.has(id));
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
      sink.clear();
      const whole = tokenizeOnce(encode, info, text);
      whole.ids.forEach((id, i) => push(id, whole.spans[i].start, whole.spans[i].end));
      return;
    }
    for (let i = first; i < piece.ids.length; i++)
      push(piece.ids[i], piece.spans[i].start + from, piece.spans[i].end + from);
  }
}

export function tokenizeInPieces(
  encode: Encode,
  info: TokenizerInfo,
  text: string,
  pieceChars = PIECE_CHARS,
): TokenizedText {
  const out: TokenizedText = { ids: [], spans: [] as TokenSpan[], special: [] };
  tokenizeInto(
    encode,
    info,
    text,
    {
      push(id, start, end, special) {
        out.ids.push(id);
        out.spans.push({ start, end });
        out.special.push(special);
      },
      clear() {
        out.ids.length = out.spans.length = out.special.length = 0;
      },
    },
    pieceChars,
  );
  return out;
}

/** The same tokens packed, after `prefix` (analyze's BOS). */
export function tokenizePackedInPieces(
  encode: Encode,
  info: TokenizerInfo,
  text: string,
  prefix: number[],
  pieceChars = PIECE_CHARS,
): PackedTokens {
  const sink = new PackedTokenSink(prefix);
  tokenizeInto(encode, info, text, sink, pieceChars);
  return sink.finish();
}
