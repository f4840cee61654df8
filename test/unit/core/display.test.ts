/** Display helpers against Unicode's own widths (East Asian Width, emoji presentation), its categories and UTF-8. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesAsText, fitLength, type TokenView, visibleToken } from '../../../src/core/display';
import { displayWidth, fitWidth, padEnd, padStart } from '../../../src/core/displayWidth';

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

// Named characters, so each expectation below reads as what a view must show.
const BEL = '\u0007'; // C0 control
const DEL = '\u007f';
const NEL = '\u0085'; // C1 control: Next Line
const CSI = '\u009b'; // C1 control: would start a terminal escape sequence
const ZWJ = '\u200d';
const ACUTE = '\u0301'; // combining acute accent
const FAMILY = '👨\u200d👩\u200d👧'; // one ZWJ sequence

test('visible tokens: controls (C0 and C1) as \\xNN, nothing-to-see as code points, empty as ∅, in every view', () => {
  const views: TokenView[] = ['terminal', 'markdown', 'strip', 'label'];
  for (const view of views) {
    assert.equal(visibleToken(`a${BEL}${DEL}`, view), 'a\\x07\\x7f', view);
    assert.equal(visibleToken(NEL + CSI, view), '\\x85\\x9b', view);
    assert.equal(visibleToken(ZWJ, view), '<U+200D>', view);
    assert.equal(visibleToken(`\u200b${ACUTE}`, view), '<U+200B><U+0301>', view);
    assert.equal(visibleToken(FAMILY, view), FAMILY, `${view}: joiners inside a visible sequence stay`);
    assert.equal(visibleToken(`e${ACUTE}`, view), `e${ACUTE}`, `${view}: a mark on a letter stays`);
    assert.equal(visibleToken('日本語', view), '日本語', view);
    assert.equal(visibleToken('', view), '∅', view);
  }
});

test('visible tokens: whitespace as each medium needs it', () => {
  const text = ' a b\tc\r\nd\re\n';
  const expected: Record<TokenView, string> = {
    terminal: '·a b\\tc\\r\\nd\\re\\n', // one line, escapes a programmer reads, leading space only
    markdown: '·a·b→c↵d↵e↵', // every space, since Markdown trims and collapses them
    strip: ' a b→\tc↵\nd↵\ne↵\n', // the strip keeps the layout: the break and the tab still happen
    label: ' a b→c↵d↵e↵', // one line
  };
  for (const [view, shown] of Object.entries(expected))
    assert.equal(visibleToken(text, view as TokenView), shown, view);
  assert.equal(visibleToken(' the'), '·the', 'the terminal view is the default');
});

test('cutting by length counts graphemes and never splits a ZWJ sequence', () => {
  assert.equal(fitLength('abcdefghijklmnopqrstuvwxyz', 5), 'abcd…');
  assert.equal(fitLength('abcde', 5), 'abcde');
  assert.equal(fitLength(`${FAMILY}${FAMILY}${FAMILY}`, 2), `${FAMILY}…`);
  assert.equal(fitLength(`e${ACUTE}e${ACUTE}e${ACUTE}`, 3), `e${ACUTE}e${ACUTE}e${ACUTE}`);
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
