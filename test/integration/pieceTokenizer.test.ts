/** Tokenizing a long text piece by piece gives the whole-text call's tokens and spans, on each tokenizer kind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectModelFolder } from '../../src/engines/onnx/modelFolder';
import { textTokenizerOf } from '../../src/engines/onnx/textTokenizer';
import { spansOfIds, tokenizerInfo } from '../../src/engines/onnx/tokenizerInfo';
import { tokenizeInPieces, tokenizePackedInPieces } from '../../src/engines/onnx/pieceTokenizer';
import { pieceCuts } from '../../src/core/textPieces';

const ROOT = join(__dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures');
const TOKENIZERS = [
  ['GPT-2 byte-level BPE', join(FIX, 'models', 'tiny-gpt2')],
  ['Llama 3 split expression, byte-level', join(FIX, 'models', 'tiny-llama-instruct')],
  ['Qwen2 split expression, byte-level, NFC', join(FIX, 'models', 'tiny-qwen2-instruct')],
  ['SentencePiece with byte fallback (Llama 2)', join(FIX, 'models', 'tiny-llama2-chat')],
] as const;

// Real prose and code (the README and measures.md), and lines a cut must not break: white space before a
// line break, CRLF, a decomposed accent, CJK, emoji and an added token at a line start (the README's
// literal "▁" stays in: SentencePiece reads it as a space).
const TEXT =
  readFileSync(join(ROOT, 'README.md'), 'utf8').slice(0, 30_000) +
  'end  \nSpaces before the break\r\nCRLF line\ne\u0301\nAccent 日本語\n😀 emoji\nx<|endoftext|>\n<|endoftext|>y\n9 digits\n' +
  readFileSync(join(ROOT, 'docs', 'measures.md'), 'utf8').slice(0, 30_000);

const PIECE = 2_000;

for (const [kind, dir] of TOKENIZERS) {
  test(`${kind}: tokens and spans in pieces of ${PIECE} characters equal one whole-text call`, async () => {
    const folder = inspectModelFolder(dir, 'fp32');
    const tokenizer = textTokenizerOf(folder.tokenizerJson, folder.tokenizerConfig, dir);
    const info = tokenizerInfo(folder.tokenizerJson, tokenizer.vocab());
    assert.equal(info.lineStartCuts, true);
    const calls: number[] = [];
    const encode = (t: string) => {
      calls.push(t.length);
      return tokenizer.encode(t);
    };
    const pieces = tokenizeInPieces(encode, info, TEXT, PIECE);
    const ids = tokenizer.encode(TEXT);
    assert.deepEqual(pieces.ids, ids);
    assert.deepEqual(pieces.spans, spansOfIds(info, TEXT, ids));
    assert.deepEqual(
      pieces.special,
      ids.map((id) => info.specialIds.has(id)),
    );
    // Packed as they are made (a streamed analysis), after a prefix, in arrays grown many times over.
    const packed = tokenizePackedInPieces(tokenizer.encode.bind(tokenizer), info, TEXT, [99], PIECE);
    assert.deepEqual(Array.from(packed.seq), [99, ...ids]);
    assert.deepEqual(
      Array.from(packed.starts),
      pieces.spans.map((s) => s.start),
    );
    assert.deepEqual(
      Array.from(packed.ends),
      pieces.spans.map((s) => s.end),
    );
    assert.deepEqual(Array.from(packed.special), pieces.special.map(Number));
    assert.ok(ids.length > 4 * 4096, `${ids.length} tokens`);
    // Pieces, not a whole-text call: no call saw more than a piece and the lines it ran on to a cut.
    const cuts = pieceCuts(TEXT, PIECE).length;
    assert.ok(cuts > 12, `${cuts} cuts`);
    assert.equal(calls.length, cuts + 1);
    assert.equal(
      calls.reduce((a, b) => a + b, 0),
      TEXT.length + cuts,
      'each character in one call, and each cut line break twice',
    );
  });
}

test('cuts go after a line break that follows a non-space and precedes an ASCII letter or digit, a piece apart', () => {
  const text = 'ab\ncd  \nef\r\ngh\n\nij\n kl\nmn\n9x';
  assert.deepEqual(pieceCuts(text, 1), [3, 23, 26]);
  assert.deepEqual(pieceCuts(text, 10), [23]);
  assert.deepEqual(pieceCuts('no line break at all', 1), []);
});

test('a tokenizer whose merges join a line break to the letter after it is tokenized in one call', async () => {
  const dir = join(FIX, 'models', 'tiny-gpt2');
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const tokenizer = textTokenizerOf(json, inspectModelFolder(dir, 'fp32').tokenizerConfig, dir);
  assert.equal(tokenizerInfo(json, tokenizer.vocab()).lineStartCuts, true);
  const joining = { ...json, model: { ...json.model, merges: [...json.model.merges, 'Ċ T'] } };
  assert.equal(tokenizerInfo(joining, tokenizer.vocab()).lineStartCuts, false);
  const unknownSplit = {
    ...json,
    pre_tokenizer: { type: 'Split', pattern: { Regex: '.' }, behavior: 'Isolated', invert: false },
  };
  assert.equal(tokenizerInfo(unknownSplit, tokenizer.vocab()).lineStartCuts, false);
});
