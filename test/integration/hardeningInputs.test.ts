/**
 * Hardening, bad input: hostile text shapes through the real engine (the tiny byte-level GPT-2 fixture,
 * context window 256, and the built-in model for right-to-left scripts). Every token's span is exact
 * (the spans tile the text, each token's text is the text under its span) and every scored token has
 * finite measures; shapes that cannot be scored get one clear message.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AnalysisResult } from '../../src/core/result';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';

const TINY = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
let tiny: OnnxModel;
before(async () => {
  tiny = await OnnxModel.load({ modelDir: TINY, threads: 1 });
});
after(async () => {
  await tiny?.dispose();
});

/** Spans tile `text` in order (overlaps only inside one character), token text = text under the span, measures finite. */
function assertExact(r: AnalysisResult, text: string): void {
  assert.equal(r.text, text);
  let out = '',
    covered = 0;
  for (const t of r.tokens) {
    assert.ok(t.start >= 0 && t.end <= text.length && t.start <= t.end, `span ${t.start}-${t.end} inside the text`);
    if (t.end > t.start)
      assert.equal(t.text, text.slice(t.start, t.end), `token ${t.index} text is the text under its span`);
    if (t.end > covered) {
      out += text.slice(Math.max(covered, t.start), t.end);
      covered = t.end;
    }
    for (const v of [t.surprisalBits, t.entropyBits, t.probability])
      assert.ok(v === null || Number.isFinite(v), `token ${t.index}: finite measures`);
  }
  assert.equal(out, text, 'the spans reproduce the text exactly');
  assert.equal(covered, text.length);
  for (const v of Object.values(r.summary)) if (typeof v === 'number') assert.ok(Number.isFinite(v), 'finite summary');
}

test('empty text: one clear bad-input message, no model work', async () => {
  await assert.rejects(
    tiny.analyze(''),
    (e: Error & { code?: string }) =>
      e.code === 'bad-input' && e.message === 'There is no text to analyze: the input is empty.',
  );
});

test('whitespace only, a single character, and a single character without BOS (null measures, null averages, never NaN)', async () => {
  for (const text of [' ', '\n', ' \t \r\n  \n', 'x', '€', '😀']) {
    const r = await tiny.analyze(text, { topK: 2 });
    assertExact(r, text);
    assert.equal(r.summary.scoredTokens, r.tokens.length, `${JSON.stringify(text)}: every token scored from BOS`);
  }
  const r = await tiny.analyze('x', { bos: false });
  assertExact(r, 'x');
  assert.equal(r.tokens.length, 1);
  assert.equal(r.tokens[0].surprisalBits, null, 'the first token has no prediction without BOS');
  assert.equal(r.summary.scoredTokens, 0);
  assert.equal(r.summary.bitsPerToken, null);
  assert.equal(r.summary.bitsPerChar, null);
  assert.equal(r.summary.perplexity, null);
  assert.equal(r.summary.totalBits, 0);
});

test('lone surrogates (invalid UTF-16) are scored as U+FFFD with exact spans on the surrogate itself', async () => {
  for (const text of ['\ud800', 'a\udc00b', 'x\ud83dy', '\udfff\ud800 end', 'ok 😀 then \ud83d']) {
    const r = await tiny.analyze(text, { topK: 1 });
    assertExact(r, text);
  }
  const r = await tiny.analyze('a\ud800b');
  // U+FFFD is 3 bytes, each its own token in this vocabulary: all three cover exactly the surrogate
  const onSurrogate = r.tokens.filter((t) => t.start === 1 && t.end === 2);
  assert.equal(onSurrogate.length, 3);
});

test('mixed CRLF / LF / lone CR line ends: spans exact, every line break belongs to a token', async () => {
  const text = 'first line\r\nsecond\nthird\r\n\r\nfifth\rsixth\n\r\nend';
  const r = await tiny.analyze(text, { topK: 1, chunkSize: 5 });
  assertExact(r, text);
  for (const i of [...text].map((c, k) => (c === '\r' || c === '\n' ? k : -1)).filter((k) => k >= 0)) {
    assert.ok(
      r.tokens.some((t) => t.start <= i && i < t.end),
      `offset ${i} (${JSON.stringify(text[i])}) covered`,
    );
  }
});

test('right-to-left text (Arabic, Hebrew, mixed with LTR and bidi controls): exact spans, split characters covered whole', async () => {
  const texts = [
    'مرحبا بالعالم، هذا نص عربي.',
    'שלום עולם, זה טקסט בעברית.',
    'English then עברית then العربية 123 end.',
    '\u202bembedded \u202e reversed\u202c \u200f',
  ];
  for (const text of texts) {
    const r = await tiny.analyze(text, { topK: 1 });
    assertExact(r, text);
    // byte tokens split each 2-byte letter: every span starts and ends on a character boundary
    for (const t of r.tokens) {
      assert.ok(t.end > t.start, `token ${t.index} (a piece of a letter) covers the whole letter, not nothing`);
      for (const i of [t.start, t.end]) assert.ok(i === text.length || (text.charCodeAt(i) & 0xfc00) !== 0xdc00);
    }
  }
});

test('a very long single line (past the context window): all tokens scored through the sliding window, spans exact', async () => {
  const text = 'the quick brown fox, '.repeat(60).trim(); // ~1,200 chars, > 256 tokens of this vocabulary on one line
  const r = await tiny.analyze(text, { topK: 1, chunkSize: 64 });
  assertExact(r, text);
  assert.ok(r.tokens.length > 256, `${r.tokens.length} tokens`);
  assert.equal(r.summary.scoredTokens, r.tokens.length);
  assert.ok(r.summary.truncatedContextTokens > 0, 'tokens past the window are flagged');
  assert.equal(r.tokens.filter((t) => t.truncatedContext).length, r.summary.truncatedContextTokens);
});

test('the built-in model: right-to-left scripts and mixed line ends give exact spans', async () => {
  const m = await OnnxModel.load({ modelDir: join(__dirname, '..', '..', 'models', 'semantic-flow-mini'), threads: 1 });
  try {
    const text = 'שלום\r\nمرحبا\nmixed עברית and العربية\r\n';
    assertExact(await m.analyze(text, { topK: 1 }), text);
  } finally {
    await m.dispose();
  }
});
