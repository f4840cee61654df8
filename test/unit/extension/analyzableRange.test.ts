/** "Analyze this": the string literal or paragraph under the mouse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzableRangeAt, stringLiteralAt } from '../../../src/extension/analyzableRange';

test('the inside of the quoted literal containing the column, escapes respected', () => {
  const line = `x = f("say \\"hi\\" now", 'b')`;
  const r = stringLiteralAt(line, 9)!;
  assert.equal(line.slice(r.start, r.end), 'say \\"hi\\" now');
  assert.equal(stringLiteralAt(line, 2), null);
});

test('an apostrophe inside a word does not open a literal', () => {
  assert.equal(stringLiteralAt("don't stop", 7), null);
});

test('code: string literal in document offsets; too-short literals are not offered', () => {
  const text = 'a = 1\nmsg = "hello world"\nb = ""\n';
  const at = text.indexOf('world');
  const r = analyzableRangeAt(text, at, 'python')!;
  assert.deepEqual([text.slice(r.start, r.end), r.kind], ['hello world', 'string']);
  assert.equal(analyzableRangeAt(text, text.indexOf('""') + 1, 'python'), null);
  assert.equal(analyzableRangeAt(text, 1, 'python'), null);
});

test('prose: the paragraph around the position, trimmed; blank lines give nothing', () => {
  const text = 'Title\n\nFirst line of it.\nSecond line.\n\nNext para.';
  const r = analyzableRangeAt(text, text.indexOf('Second'), 'markdown')!;
  assert.deepEqual([text.slice(r.start, r.end), r.kind], ['First line of it.\nSecond line.', 'paragraph']);
  assert.equal(analyzableRangeAt(text, text.indexOf('\n\n') + 1, 'plaintext'), null);
});
