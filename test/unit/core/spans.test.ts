import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spansFromTokenBytes, tokenAt, tokenBytes, byteLevelDecoder, type SpanOptions } from '../../../src/core/spans';

const enc = new TextEncoder();
/** Cuts the UTF-8 bytes of `text` at the given byte offsets: a tokenizer that splits anywhere. */
function cut(text: string, cuts: number[]): Uint8Array[] {
  const b = enc.encode(text);
  const edges = [0, ...cuts, b.length];
  return edges.slice(1).map((e, i) => b.subarray(edges[i], e));
}

test('ASCII pieces map to their exact UTF-16 ranges', () => {
  const spans = spansFromTokenBytes('Hello world', cut('Hello world', [5]));
  assert.deepEqual(spans, [
    { start: 0, end: 5 },
    { start: 5, end: 11 },
  ]);
});

test('a character split across tokens is widened to the whole character (emoji with skin tone)', () => {
  const text = 'x👍🏽y'; // 👍 = F0 9F 91 8D, 🏽 = F0 9F 8F BD
  // cut inside 👍 (after 2 bytes) and inside 🏽 (after 1 byte)
  const spans = spansFromTokenBytes(text, cut(text, [1, 3, 6, 9]));
  assert.deepEqual(spans, [
    { start: 0, end: 1 }, // x
    { start: 1, end: 3 }, // first half of 👍 → whole 👍
    { start: 1, end: 5 }, // rest of 👍 + first byte of 🏽 → 👍🏽
    { start: 3, end: 5 }, // rest of 🏽
    { start: 5, end: 6 }, // y
  ]);
});

/** Reference mapping computed per character with for…of (independent of the implementation's byte walk). */
function referenceSpans(text: string, tokens: Uint8Array[]) {
  const chars: { s16: number; e16: number; sb: number; eb: number }[] = [];
  let u = 0,
    b = 0;
  for (const ch of text) {
    const n = enc.encode(ch).length;
    chars.push({ s16: u, e16: u + ch.length, sb: b, eb: b + n });
    u += ch.length;
    b += n;
  }
  let pos = 0;
  return tokens.map((t) => {
    const first = chars.find((c) => c.sb <= pos && pos < c.eb)!;
    const last = chars.find((c) => c.sb <= pos + t.length - 1 && pos + t.length - 1 < c.eb)!;
    pos += t.length;
    return { start: first.s16, end: last.e16 };
  });
}

test('CJK, combining accents, CRLF, tabs, code and leading spaces are exact, at every cut', () => {
  const samples = [
    '  日本語 e\u0301\r\n\tcode();',
    'café naïve 😀 👍🏽 x',
    'def f(x):\n\treturn x  # ẞ𝔘\r\n',
    ' leading space',
  ];
  for (const text of samples) {
    const n = enc.encode(text).length;
    for (let step = 1; step <= 4; step++) {
      const cuts = [];
      for (let c = step; c < n; c += step) cuts.push(c);
      const toks = cut(text, cuts);
      assert.deepEqual(
        spansFromTokenBytes(text, toks),
        referenceSpans(text, toks),
        `${JSON.stringify(text)} step ${step}`,
      );
    }
    // cuts at character boundaries: spans concatenated reproduce the text exactly (identity 4)
    const whole = [...text].map((ch) => enc.encode(ch));
    const spans = spansFromTokenBytes(text, whole);
    assert.equal(spans.map((s) => text.slice(s.start, s.end)).join(''), text);
  }
});

test('byte-level vocabulary strings decode to the bytes GPT-2 meant', () => {
  const dec = byteLevelDecoder();
  assert.equal(dec.size, 256);
  assert.deepEqual([...tokenBytes('byte-level', 'Ġthe')], [0x20, 0x74, 0x68, 0x65]);
  assert.deepEqual([...tokenBytes('byte-level', 'Ċ')], [0x0a]);
  assert.deepEqual([...tokenBytes('sentencepiece', '<0xF0>')], [0xf0]);
  assert.deepEqual([...tokenBytes('sentencepiece', '\u2581day')], [0x20, 0x64, 0x61, 0x79]);
  assert.deepEqual([...tokenBytes('byte-level', '<|endoftext|>', true)], [...enc.encode('<|endoftext|>')]);
});

test('SentencePiece prepended "▁" on the first token is synthetic and skipped', () => {
  const spans = spansFromTokenBytes('day one', [enc.encode(' day'), enc.encode(' one')], { prependedSpace: PREPEND });
  assert.deepEqual(spans, [
    { start: 0, end: 3 },
    { start: 3, end: 7 },
  ]);
});

const PREPEND = { before: 'every-stretch', evenBeforeSpace: true } as const; // a Prepend("▁") normalizer (Llama 2)
const ALWAYS = { before: 'every-stretch', evenBeforeSpace: false } as const; // Metaspace prepend_scheme "always"
const FIRST = { before: 'text-start', evenBeforeSpace: false } as const; // Metaspace prepend_scheme "first"
/** What each token covers, for tokens written with "▁" for a space. */
const covers = (text: string, pieces: string[], o: SpanOptions): string[] =>
  spansFromTokenBytes(
    text,
    pieces.map((p) => enc.encode(p.replace(/\u2581/g, ' '))),
    o,
  ).map((s) => text.slice(s.start, s.end));

test('SentencePiece: the "▁" put before each stretch of text between added tokens is synthetic (the tokens transformers.js and Rust tokenizers give)', () => {
  // A Prepend normalizer puts "▁" before every stretch, even one that starts with a space (so " y" is "▁▁y")
  assert.deepEqual(covers('hi</s>yo', ['▁h', 'i', '</s>', '▁y', 'o'], { prependedSpace: PREPEND }), [
    'h',
    'i',
    '</s>',
    'y',
    'o',
  ]);
  assert.deepEqual(covers(' hi<s> yo', ['▁', '▁h', 'i', '<s>', '▁', '▁y', 'o'], { prependedSpace: PREPEND }), [
    '',
    ' h',
    'i',
    '<s>',
    '',
    ' y',
    'o',
  ]);
  // Llama 2's chat template: a second turn opens with "<s>" mid-text
  assert.deepEqual(
    covers(
      '<s>[INST] a [/INST] b </s><s>[INST] c',
      ['<s>', '▁', '[INST]', '▁a', '▁', '[/INST]', '▁b', '▁', '</s>', '<s>', '▁', '[INST]', '▁c'],
      { prependedSpace: PREPEND },
    ),
    ['<s>', '', '[INST]', ' a', ' ', '[/INST]', ' b', ' ', '</s>', '<s>', '', '[INST]', ' c'],
  );
  // Metaspace "always": before every stretch that does not start with a space
  assert.deepEqual(covers('hi</s>yo', ['▁h', 'i', '</s>', '▁y', 'o'], { prependedSpace: ALWAYS }), [
    'h',
    'i',
    '</s>',
    'y',
    'o',
  ]);
  assert.deepEqual(covers(' hi<s> yo', ['▁h', 'i', '<s>', '▁y', 'o'], { prependedSpace: ALWAYS }), [
    ' h',
    'i',
    '<s>',
    ' y',
    'o',
  ]);
  // Metaspace "first": only at the very start of the text
  assert.deepEqual(covers('hi</s>yo', ['▁h', 'i', '</s>', 'y', 'o'], { prependedSpace: FIRST }), [
    'h',
    'i',
    '</s>',
    'y',
    'o',
  ]);
  assert.deepEqual(covers(' hi<s> yo', ['▁h', 'i', '<s>', '▁y', 'o'], { prependedSpace: FIRST }), [
    ' h',
    'i',
    '<s>',
    ' y',
    'o',
  ]);
  assert.deepEqual(covers('<s>[INST] hi', ['<s>', '[INST]', '▁h', 'i'], { prependedSpace: FIRST }), [
    '<s>',
    '[INST]',
    ' h',
    'i',
  ]);
  // Only the tokenizer's added tokens cut the text: a vocabulary piece that looks like markup does not
  assert.deepEqual(covers('a<b> c', ['▁a', '<b>', '▁c'], { prependedSpace: PREPEND, added: [false, false, false] }), [
    'a',
    '<b>',
    ' c',
  ]);
});

test('special tokens not in the text get zero-width spans; a normalizing tokenizer is refused', () => {
  const spans = spansFromTokenBytes('ab', [enc.encode('<s>'), enc.encode('ab')]);
  assert.deepEqual(spans, [
    { start: 0, end: 0 },
    { start: 0, end: 2 },
  ]);
  assert.throws(() => spansFromTokenBytes('AB', [enc.encode('ab')]), /normalize/);
  assert.throws(() => spansFromTokenBytes('abc', [enc.encode('ab')]), /cover 2 of 3/);
});

test('lone surrogates count as U+FFFD (3 bytes) and keep one UTF-16 unit', () => {
  const text = 'a\ud800b';
  const spans = spansFromTokenBytes(text, cut(text, [1, 4]));
  assert.deepEqual(spans, [
    { start: 0, end: 1 },
    { start: 1, end: 2 },
    { start: 2, end: 3 },
  ]);
});

test('tokenAt finds the token under an offset, including overlapping spans', () => {
  const spans = [
    { start: 0, end: 1 },
    { start: 1, end: 3 },
    { start: 1, end: 5 },
    { start: 3, end: 5 },
    { start: 5, end: 6 },
  ];
  assert.equal(tokenAt(spans, 0), 0);
  assert.equal(tokenAt(spans, 2), 2);
  assert.equal(tokenAt(spans, 4), 3);
  assert.equal(tokenAt(spans, 5), 4);
  assert.equal(tokenAt(spans, 6), -1);
});

test('an NFC tokenizer (Qwen2): spans found in the composed text cover the decomposed original', () => {
  // "e" + U+0301 and "A" + U+030A compose to "é" and "Å" (2 bytes each in UTF-8): the tokens carry
  // the composed bytes, each split in two byte tokens, so every piece widens to its whole cluster.
  const text = 'e\u0301 x A\u030a!';
  const tokens = [
    Uint8Array.of(0xc3),
    Uint8Array.of(0xa9),
    enc.encode(' x'),
    enc.encode(' '),
    Uint8Array.of(0xc3),
    Uint8Array.of(0x85),
    enc.encode('!'),
  ];
  assert.throws(
    () => spansFromTokenBytes(text, tokens),
    /normalize/,
    'without the normalizer declared the bytes do not match',
  );
  const spans = spansFromTokenBytes(text, tokens, { normalization: 'NFC' });
  assert.deepEqual(spans, [
    { start: 0, end: 2 },
    { start: 0, end: 2 }, // é ← "e\u0301"
    { start: 2, end: 4 },
    { start: 4, end: 5 },
    { start: 5, end: 7 },
    { start: 5, end: 7 }, // Å ← "A\u030a"
    { start: 7, end: 8 },
  ]);
  // a text NFC leaves alone takes the plain path, and a special token keeps its zero width
  assert.deepEqual(
    spansFromTokenBytes('ab', [enc.encode('<|im_start|>'), enc.encode('ab')], { normalization: 'NFC' }),
    [
      { start: 0, end: 0 },
      { start: 0, end: 2 },
    ],
  );
});
