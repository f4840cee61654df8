/**
 * The tokens of a text as a streamed analysis keeps them while it scores: typed arrays of 13 bytes a token
 * (the id to score, span start and end, special flag). TokenizedText's arrays of numbers, span objects and
 * booleans take about 65 bytes a token (bench:long measures it), and a streamed run would hold them for the
 * whole text, so they would set its memory's growth with the text's length.
 */
import type { TokenRecord } from './result';
import type { ScoringModel, TokenizedText } from './scoringModel';
import { blankRecord } from './tokenRecords';

export interface PackedTokens {
  /** The sequence to score: the prefix (the BOS, if any), then the text's ids. */
  seq: Int32Array;
  prefixLength: number;
  starts: Int32Array;
  ends: Int32Array;
  special: Uint8Array;
}

/** Takes a text's tokens in order; `clear` drops those taken so far (the text is tokenized again). */
export interface TokenSink {
  push(id: number, start: number, end: number, special: boolean): void;
  clear(): void;
}

/** Packs tokens as they come, in arrays that grow by half; `finish` trims them to the tokens taken. */
export class PackedTokenSink implements TokenSink {
  private n = 0;
  private p: PackedTokens;
  constructor(
    private readonly prefix: number[],
    capacity = 4096,
  ) {
    this.p = this.allocate(capacity);
  }
  push(id: number, start: number, end: number, special: boolean): void {
    if (this.n === this.p.starts.length) this.p = this.allocate(Math.ceil(this.n * 1.5) + 1);
    this.p.seq[this.prefix.length + this.n] = id;
    this.p.starts[this.n] = start;
    this.p.ends[this.n] = end;
    this.p.special[this.n] = special ? 1 : 0;
    this.n++;
  }
  clear(): void {
    this.n = 0;
  }
  finish(): PackedTokens {
    return this.n === this.p.starts.length ? this.p : this.allocate(this.n);
  }
  /** Arrays for `capacity` tokens holding the first min(n, capacity) taken so far. */
  private allocate(capacity: number): PackedTokens {
    const k = this.prefix.length;
    const p = {
      seq: new Int32Array(k + capacity),
      prefixLength: k,
      starts: new Int32Array(capacity),
      ends: new Int32Array(capacity),
      special: new Uint8Array(capacity),
    };
    p.seq.set(this.prefix);
    if (this.p) {
      const n = Math.min(this.n, capacity);
      p.seq.set(this.p.seq.subarray(k, k + n), k);
      p.starts.set(this.p.starts.subarray(0, n));
      p.ends.set(this.p.ends.subarray(0, n));
      p.special.set(this.p.special.subarray(0, n));
    }
    return p;
  }
}

/** `tok` packed after `prefix`. */
export function packTokens(tok: TokenizedText, prefix: number[]): PackedTokens {
  const sink = new PackedTokenSink(prefix, tok.ids.length);
  tok.ids.forEach((id, i) => sink.push(id, tok.spans[i].start, tok.spans[i].end, tok.special[i]));
  return sink.finish();
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
