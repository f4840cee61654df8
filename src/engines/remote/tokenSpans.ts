/**
 * Server tokens → UTF-16 spans of the scored text. Servers give each token's text as they decoded it
 * (partial UTF-8 as U+FFFD), sometimes a code-point `text_offset`, never bytes. In order:
 *   1. text_offset, when every offset agrees with its token's text;
 *   2. an exact walk over the text's UTF-8 bytes: literal characters must match, each U+FFFD stands for
 *      a piece of one multi-byte character (1..len−1 bytes at a character start, or one continuation
 *      byte), special tokens (`<s>`, `<|endoftext|>`) and unknown tokens may be zero-width; a search
 *      finds a segmentation that reproduces the whole text;
 *   3. the same walk, lenient about whitespace that per-token decoding drops (SentencePiece's "▁");
 *   4. the walk over the text composed to NFC (a tokenizer whose normalizer composes characters), each
 *      span mapped back to the original characters;
 *   5. greedy matching, flagged inexact: spans still tile the text.
 * A token that starts or ends inside a character is widened to the whole character (as core/spans.ts).
 */
import { normalizedText, originalSpan } from '../../core/normalizedText';
import { utf8Layout, type TokenSpan, type Utf8Layout } from '../../core/spans';

export interface PieceRow {
  piece: string | null;
  textOffset?: number;
}

export interface MappedSpans {
  spans: TokenSpan[];
  /** False when only the greedy fallback placed the tokens. */
  exact: boolean;
}

const utf8 = new TextEncoder();
const REPLACEMENT = '\uFFFD';

const isSpecialLike = (p: string): boolean => /^<[^<>]*>$/.test(p) || /^<\|.*\|>$/.test(p) || /^\[[A-Z_]+\]$/.test(p);

/** Byte positions reachable by matching `piece` from byte `p`. */
function advance(L: Utf8Layout, piece: string, p: number, lenient: boolean): number[] {
  const byteToken = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
  if (byteToken) return L.bytes[p] === parseInt(byteToken[1], 16) ? [p + 1] : [];
  let pos = [p];
  let chars = [...piece];
  if (lenient) chars = chars.map((c) => (c === '\u2581' ? ' ' : c));
  for (const c of chars) {
    const next = new Set<number>();
    for (const q of pos) {
      if (q >= L.bytes.length) continue;
      if (c === REPLACEMENT) {
        if (L.bytes[q] === 0xef && L.bytes[q + 1] === 0xbf && L.bytes[q + 2] === 0xbd) next.add(q + 3);
        const len = L.charLen[q];
        if (len >= 2) for (let k = 1; k < len; k++) next.add(q + k);
        if (len === 0) next.add(q + 1);
        continue;
      }
      if (L.charLen[q] === 0) continue;
      const enc = utf8.encode(c);
      let ok = q + enc.length <= L.bytes.length;
      for (let k = 0; ok && k < enc.length; k++) if (L.bytes[q + k] !== enc[k]) ok = false;
      if (ok) next.add(q + enc.length);
    }
    pos = [...next];
    if (pos.length === 0) return pos;
  }
  return pos;
}

function rowOptions(L: Utf8Layout, row: PieceRow, p: number, lenient: boolean, first: boolean): number[] {
  const n = L.bytes.length;
  if (row.piece === null) {
    const out: number[] = [];
    for (let q = p; q <= n; q++) if (L.charLen[q] !== 0) out.push(q);
    return out;
  }
  const piece = row.piece;
  const out = new Set<number>(piece.length > 0 ? advance(L, piece, p, lenient) : []);
  if (piece.length === 0 || isSpecialLike(piece)) out.add(p);
  if (lenient && piece.length > 0) {
    const bare = piece.replace(/^[ \u2581]/, '');
    if (first && bare !== piece) for (const e of advance(L, bare, p, true)) out.add(e);
    // a decoder that drops a token's leading space: the skipped whitespace belongs to this token
    let q = p;
    while (q < n && (L.bytes[q] === 0x20 || L.bytes[q] === 0x09)) q++;
    if (q > p) for (const e of advance(L, bare, q, true)) out.add(e);
  }
  return [...out];
}

/**
 * Depth-first over rows, each row's matches tried longest first (a partial character is more likely a
 * whole lead sequence than a piece of one); dead ends (row, byte position) are remembered, so every
 * pair is explored once. Returns each row's byte range, or null when no segmentation reproduces the text.
 */
function walk(L: Utf8Layout, rows: readonly PieceRow[], lenient: boolean): [number, number][] | null {
  const R = rows.length,
    n = L.bytes.length;
  if (R === 0) return n === 0 ? [] : null;
  const starts = new Array<number>(R),
    opts = new Array<number[]>(R),
    idx = new Int32Array(R);
  const failed = new Set<number>();
  const key = (i: number, p: number) => i * (n + 1) + p;
  const options = (i: number, p: number) => rowOptions(L, rows[i], p, lenient, p === 0).sort((x, y) => y - x);
  let i = 0;
  starts[0] = 0;
  opts[0] = options(0, 0);
  while (i >= 0) {
    if (idx[i] >= opts[i].length) {
      failed.add(key(i, starts[i]));
      if (--i >= 0) idx[i]++;
      continue;
    }
    const e = opts[i][idx[i]];
    if (i === R - 1) {
      if (e === n) return rows.map((_, j) => [starts[j], opts[j][idx[j]]] as [number, number]);
      idx[i]++;
      continue;
    }
    if (failed.has(key(i + 1, e))) {
      idx[i]++;
      continue;
    }
    i++;
    starts[i] = e;
    opts[i] = options(i, e);
    idx[i] = 0;
  }
  return null;
}

function spanOfBytes(L: Utf8Layout, text: string, s: number, e: number): TokenSpan {
  if (s === e) return { start: L.u16Start[s], end: L.u16Start[s] };
  const end = e >= L.bytes.length ? text.length : L.charLen[e] !== 0 ? L.u16Start[e] : L.u16End[e - 1];
  return { start: L.u16Start[s], end };
}

/** UTF-16 offset of each code-point offset (text_offset counts Python characters). */
function codePointToUtf16(text: string): (cp: number) => number {
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return (cp) => (cp >= 0 && cp < map.length ? map[cp] : -1);
}

function fromOffsets(text: string, rows: readonly PieceRow[]): TokenSpan[] | null {
  if (rows.length === 0 || rows.some((r) => typeof r.textOffset !== 'number')) return null;
  const toU16 = codePointToUtf16(text);
  const starts = rows.map((r) => toU16(r.textOffset as number));
  const spans: TokenSpan[] = [];
  for (let i = 0; i < rows.length; i++) {
    const start = starts[i],
      end = i + 1 < rows.length ? starts[i + 1] : text.length;
    if (start < 0 || end < start) return null;
    const piece = rows[i].piece ?? '';
    const slice = text.slice(start, end);
    if (slice !== piece && !(slice === '' && isSpecialLike(piece))) return null;
    spans.push({ start, end });
  }
  return spans;
}

function greedy(text: string, rows: readonly PieceRow[]): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let c = 0;
  rows.forEach((r, i) => {
    const piece = (r.piece ?? '').split(REPLACEMENT).join('');
    let end = c;
    if (r.piece !== null && !isSpecialLike(r.piece)) {
      const at = piece.length > 0 ? text.indexOf(piece, c) : -1;
      end =
        at >= 0 && at - c <= 8
          ? at + piece.length
          : Math.min(text.length, c + Math.max(1, [...(r.piece ?? '')].length));
    }
    if (i === rows.length - 1) end = text.length;
    spans.push({ start: c, end });
    c = end;
  });
  return spans;
}

/** The exact walk (strict, then lenient about whitespace), or null. */
function walkSpans(text: string, rows: readonly PieceRow[]): TokenSpan[] | null {
  const L = utf8Layout(text);
  for (const lenient of [false, true]) {
    const ranges = walk(L, rows, lenient);
    if (ranges) return ranges.map(([s, e]) => spanOfBytes(L, text, s, e));
  }
  return null;
}

/** Spans of the server's token rows in `text` (the scored prompt), best method first. */
export function spansOfPieces(text: string, rows: readonly PieceRow[]): MappedSpans {
  const byOffset = fromOffsets(text, rows);
  if (byOffset) return { spans: byOffset, exact: true };
  const walked = walkSpans(text, rows);
  if (walked) return { spans: walked, exact: true };
  // A tokenizer that composes characters (Qwen2's NFC normalizer) returns composed token texts: walk the
  // composed text and map the spans back to the characters they came from.
  const view = normalizedText(text, 'NFC');
  const composed = view && walkSpans(view.text, rows);
  if (view && composed) return { spans: composed.map((s) => originalSpan(view, s, text.length)), exact: true };
  return { spans: greedy(text, rows), exact: false };
}
