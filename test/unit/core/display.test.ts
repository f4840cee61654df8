/** Terminal display helpers against Unicode's own widths (East Asian Width, emoji presentation) and UTF-8. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesAsText, displayWidth, fitWidth, padEnd, padStart, visibleToken } from '../../../src/core/display';

test('display width: narrow, wide (East Asian W/F), emoji sequences, zero-width marks and joiners', () => {
  const cases: [string, number][] = [
    ['abc', 3],
    ['日本語', 6], // CJK ideographs: W
    ['한국', 4], // Hangul syllables: W
    ['ＡＢ', 4], // fullwidth forms: F
    ['ｱ', 1], // halfwidth katakana: H
    ['½', 1], // ambiguous: narrow outside East Asian locales
    ['🍕', 2], // Emoji_Presentation
    ['❤', 1], // text presentation by default …
    ['❤️', 2], // … emoji with VS16
    ['👨‍👩‍👧', 2], // one ZWJ sequence, one glyph
    ['🇫🇷', 2], // a regional-indicator pair
    ['é', 1], // e + combining acute
    ['\u200d', 0], // a lone zero-width joiner
    ['\u0301', 0], // a lone combining mark
  ];
  for (const [s, w] of cases) assert.equal(displayWidth(s), w, JSON.stringify(s));
});

test('padding and cutting count columns, and never split a grapheme', () => {
  assert.equal(padEnd('日本', 6), '日本  ');
  assert.equal(padStart('🍕', 4), '  🍕');
  assert.equal(fitWidth('日本語テキスト', 7), '日本語…');
  assert.equal(fitWidth('日本語テキスト', 6), '日本…', 'a wide character that does not fit is left out whole');
  assert.equal(fitWidth('👨‍👩‍👧👨‍👩‍👧', 3), '👨‍👩‍👧…');
  assert.equal(fitWidth('short', 10), 'short');
});

test('visible tokens: whitespace and controls escaped, a leading space as ·, a token with nothing to see as code points', () => {
  assert.equal(visibleToken(' the'), '·the');
  assert.equal(visibleToken('\n\t'), '\\n\\t');
  assert.equal(visibleToken('\u0007'), '\\x07');
  assert.equal(visibleToken('\u0085'), '\\x85');
  assert.equal(visibleToken('\u200d'), '<U+200D>');
  assert.equal(visibleToken('\u200b\u0301'), '<U+200B><U+0301>');
  assert.equal(visibleToken('👨‍👩‍👧'), '👨‍👩‍👧', 'joiners inside a visible sequence stay');
});

test('bytes of a partial character show as <0xNN>; whole characters decode', () => {
  const b = (...x: number[]) => Uint8Array.from(x);
  assert.equal(bytesAsText(b(0x20, 0x63, 0x61, 0x74)), ' cat');
  assert.equal(bytesAsText(b(0xe2)), '<0xE2>');
  assert.equal(bytesAsText(b(0xe2, 0x80)), '<0xE2><0x80>');
  assert.equal(bytesAsText(b(0x20, 0xf0, 0x9f)), ' <0xF0><0x9F>');
  assert.equal(bytesAsText(b(0x8d, 0x95)), '<0x8D><0x95>', 'continuation bytes alone');
  assert.equal(bytesAsText(b(0xf0, 0x9f, 0x8d, 0x95, 0xe6)), '🍕<0xE6>');
  assert.equal(bytesAsText(b(0xc0, 0xaf)), '<0xC0><0xAF>', 'an overlong encoding is not a character');
});
