/**
 * The tokens of a text as a streamed analysis keeps them while it scores: typed arrays of 13 bytes a token
 * (the id to score, span start and end, special flag). TokenizedText's arrays of numbers, span objects and
 * booleans take about 65 bytes a token (bench:long measures it), and a streamed run holds them for the
 * whole text, so they set its memory's growth with the text's length.
 */
import type { TokenRecord } from './result';
import type { ScoringModel, TokenizedText } from './scoringModel';
import { blankRecord } from './tokenRecords';

export interface PackedTokens {
  /** The sequence to score: `prefix` (the BOS, if any), then the text's ids. */
  seq: Int32Array;
  prefixLength: number;
  starts: Int32Array;
  ends: Int32Array;
  special: Uint8Array;
}

export function packTokens(tok: TokenizedText, prefix: number[]): PackedTokens {
  const n = tok.ids.length;
  const seq = new Int32Array(prefix.length + n);
  seq.set(prefix);
  seq.set(tok.ids, prefix.length);
  const p = {
    seq,
    prefixLength: prefix.length,
    starts: new Int32Array(n),
    ends: new Int32Array(n),
    special: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    p.starts[i] = tok.spans[i].start;
    p.ends[i] = tok.spans[i].end;
    p.special[i] = tok.special[i] ? 1 : 0;
  }
  return p;
}

/** Token `i`'s record without measures, the one blankRecord makes from the unpacked tokens. */
export function packedRecord(p: PackedTokens, i: number, text: string, model: ScoringModel): TokenRecord {
  const one = {
    ids: [p.seq[p.prefixLength + i]],
    spans: [{ start: p.starts[i], end: p.ends[i] }],
    special: [p.special[i] === 1],
  };
  return blankRecord(one, 0, text, model, i);
}
