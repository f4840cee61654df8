/**
 * Property: for any string (any code points, lone surrogates, controls, emoji sequences), the spans
 * of its tokens reproduce it exactly — through arbitrary byte cuts and through the real byte-level
 * tokenizer of the fixture model (measures.md identity 4).
 */
import { test, before, after } from 'node:test';
import { join } from 'node:path';
import fc from 'fast-check';
import { spansFromTokenBytes } from '../../src/core/spans';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { coveredText } from '../helpers/spanCoverage';

const enc = new TextEncoder();

/** Whole characters only: a span never starts or ends inside a surrogate pair. */
function onCharBoundaries(text: string, spans: { start: number; end: number }[]): boolean {
  const inside = (i: number) =>
    i > 0 &&
    i < text.length &&
    (text.charCodeAt(i) & 0xfc00) === 0xdc00 &&
    (text.charCodeAt(i - 1) & 0xfc00) === 0xd800;
  return spans.every((s) => !inside(s.start) && !inside(s.end));
}

const anyText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom(
      'a',
      ' ',
      '\n',
      '\r\n',
      '\t',
      'é',
      'e\u0301',
      '日',
      '👍🏽',
      '👩🏽‍💻',
      '\ud800',
      '\udfff',
      '\u0000',
      'ẞ',
      '𝔘',
    ),
    minLength: 1,
    maxLength: 30,
  }),
);

test('any byte cuts of any string give spans that reproduce it on whole characters', () => {
  fc.assert(
    fc.property(anyText, fc.array(fc.nat(), { maxLength: 12 }), (text, rawCuts) => {
      const bytes = enc.encode(text);
      const cuts = [...new Set(rawCuts.map((c) => 1 + (c % Math.max(1, bytes.length - 1))))]
        .filter((c) => c < bytes.length)
        .sort((a, b) => a - b);
      const edges = [0, ...cuts, bytes.length];
      const tokens = edges.slice(1).map((e, i) => bytes.subarray(edges[i], e));
      const spans = spansFromTokenBytes(text, tokens);
      return (
        coveredText(text, spans) === text &&
        onCharBoundaries(text, spans) &&
        spans.every((s, i) => s.start < s.end && (i === 0 || s.start >= spans[i - 1].start))
      );
    }),
    { numRuns: 2000 },
  );
});

let model: OnnxModel;
before(async () => {
  model = await OnnxModel.load({ modelDir: join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2') });
});
after(async () => {
  await model.dispose();
});

test('the real byte-level tokenizer: spans reproduce any string', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      const t = model.tokenize(text);
      // special tokens spelled out in the text ("<|endoftext|>") are real text too
      return coveredText(text, t.spans) === text && onCharBoundaries(text, t.spans);
    }),
    { numRuns: 500 },
  );
});
