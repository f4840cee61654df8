/** Server tokens back to exact UTF-16 spans (measures.md identity 4), by offsets, by an exact byte walk, leniently, greedily. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spansOfPieces } from '../../../../src/engines/remote/tokenSpans';

const rows = (pieces: (string | null)[]) => pieces.map((piece) => ({ piece }));
const texts = (text: string, s: { start: number; end: number }[]) => s.map((x) => text.slice(x.start, x.end));

test('plain pieces, a zero-width BOS, and a null first row (vLLM without prompt_token_ids)', () => {
  const text = 'The cat sat';
  assert.deepEqual(texts(text, spansOfPieces(text, rows(['The', ' cat', ' sat'])).spans), ['The', ' cat', ' sat']);
  const bos = spansOfPieces(text, rows(['<|endoftext|>', 'The', ' cat', ' sat'])).spans;
  assert.deepEqual(bos[0], { start: 0, end: 0 });
  assert.deepEqual(texts(text, spansOfPieces(text, rows([null, ' cat', ' sat'])).spans), ['The', ' cat', ' sat']);
  assert.deepEqual(
    spansOfPieces(text, rows([null, 'The', ' cat', ' sat'])).spans[0],
    { start: 0, end: 0 },
    'null first row = a BOS before the text',
  );
});

test('U+FFFD pieces: bytes of a character split across tokens; a literal U+FFFD in the text still matches', () => {
  const text = 'a 👍🏽 b';
  // GPT-2: " \xF0\x9F\x91" "\x8D" "\xF0\x9F" "\x8F" "\xBD" decoded one by one
  const r = spansOfPieces(text, rows(['a', ' \uFFFD', '\uFFFD', '\uFFFD', '\uFFFD', '\uFFFD', ' b']));
  assert.equal(r.exact, true);
  assert.deepEqual(texts(text, r.spans), ['a', ' 👍', '👍', '🏽', '🏽', '🏽', ' b']);
  const lit = 'x\uFFFDy';
  assert.deepEqual(texts(lit, spansOfPieces(lit, rows(['x', '\uFFFD', 'y'])).spans), ['x', '\uFFFD', 'y']);
});

test('text_offset (code points) is used when it agrees with the pieces, and converted to UTF-16', () => {
  const text = '😀 ok';
  const r = spansOfPieces(text, [
    { piece: '😀', textOffset: 0 },
    { piece: ' ok', textOffset: 1 },
  ]);
  assert.deepEqual(r.spans, [
    { start: 0, end: 2 },
    { start: 2, end: 5 },
  ]);
  // offsets that disagree (a BOS string counted in) are ignored in favour of the byte walk
  const s = spansOfPieces('Hi there', [
    { piece: '<s>', textOffset: 0 },
    { piece: 'Hi', textOffset: 3 },
    { piece: ' there', textOffset: 5 },
  ]);
  assert.deepEqual(texts('Hi there', s.spans), ['', 'Hi', ' there']);
});

test('SentencePiece-style pieces: byte tokens, a dropped leading space, a prepended one', () => {
  const text = 'Hello world\n';
  const r = spansOfPieces(text, rows(['<s>', '▁Hello', 'world', '<0x0A>']));
  assert.equal(r.exact, true);
  assert.deepEqual(texts(text, r.spans), ['', 'Hello', ' world', '\n']);
});

test('SentencePiece pieces as a remote Llama-style server returns them: "▁" is a space, byte pieces widen to their character', () => {
  const exact = (text: string, pieces: string[], want: string[]) => {
    const r = spansOfPieces(text, rows(pieces));
    assert.equal(r.exact, true, text);
    assert.deepEqual(texts(text, r.spans), want);
  };
  exact('Hello world\n', ['<s>', '▁Hello', '▁world', '<0x0A>'], ['', 'Hello', ' world', '\n']);
  exact('Hello  world', ['<s>', '▁Hello', '▁', '▁world'], ['', 'Hello', ' ', ' world']);
  exact(' Hello', ['<s>', '▁▁Hello'], ['', ' Hello']);
  exact('a\tb', ['<s>', '▁a', '<0x09>', 'b'], ['', 'a', '\t', 'b']);
  // the four bytes of U+1F600 are four tokens; each covers the whole character (spans are UTF-16 units)
  const e = '\u{1F600}';
  exact(
    `Hi ${e} x`,
    ['<s>', '▁Hi', '▁', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>', '▁x'],
    ['', 'Hi', ' ', e, e, e, e, ' x'],
  );
});

test('pieces that cannot reproduce the text fall back to greedy spans that still tile it, flagged inexact', () => {
  const text = 'Crème brûlée';
  const r = spansOfPieces(text, rows(['creme', ' brulee']));
  assert.equal(r.exact, false);
  assert.equal(texts(text, r.spans).join(''), text);
});

test('a server whose tokenizer composes characters (Qwen2 NFC): composed pieces map to the decomposed characters', () => {
  const text = 'cafe\u0301 x';
  const m = spansOfPieces(text, [{ piece: 'caf' }, { piece: 'é' }, { piece: ' x' }]);
  assert.deepEqual(m, {
    spans: [
      { start: 0, end: 3 },
      { start: 3, end: 5 },
      { start: 5, end: 7 },
    ],
    exact: true,
  });
});
