/** Hover Markdown: document text is data (escaped), measures with units, and only our command links. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  analyzeThisText,
  escapeMarkdown,
  hoverText,
  HOVER_COMMANDS,
  tokenDisplay,
} from '../../../src/extension/hoverText';
import { resultOf } from './results';

const XSS = '<img src=x onerror=alert(1)>';
type MarkdownIt = { render(src: string): string };
const require_ = createRequire(__filename);
// markdown-it comes with @vscode/vsce (a devDependency); VS Code renders hovers with the same parser.
// html: true is the worst case: even a renderer that passes raw HTML through must get none from us.
const md: MarkdownIt | null = (() => {
  try {
    return new (require_('markdown-it') as new (o: object) => MarkdownIt)({ html: true, linkify: false });
  } catch {
    return null;
  }
})();

test('escapeMarkdown turns an HTML payload into plain characters', () => {
  const e = escapeMarkdown(XSS);
  assert.equal(e, '&lt;img src=x onerror=alert\\(1\\)&gt;');
  assert.ok(!e.includes('<'));
});

test('markdown syntax in document text does not become links, emphasis, code or icons', () => {
  assert.equal(
    escapeMarkdown('[click](command:evil) *b* `c` $(zap) a|b'),
    '\\[click\\]\\(command:evil\\) \\*b\\* \\`c\\` $\\(zap\\) a\\|b',
  );
});

test('rendered, the hover of a token whose text is an HTML payload shows the payload as text', {
  skip: md === null && 'markdown-it not installed',
}, () => {
  const r = resultOf([
    ['say ', null],
    [XSS, 12.5],
  ]);
  const html = md!.render(hoverText(r, 1, 'file:///x.html'));
  assert.ok(!/<img/i.test(html), html);
  assert.ok(html.includes('&lt;img'), 'the payload is visible as text');
  assert.ok(!/href="(?!command:semanticFlow\.revealToken)/.test(html), 'the only link is Reveal in panel');
});

test('the hover shows id, surprisal, probability, entropy, rank and the top alternatives, with units', () => {
  const r = resultOf([
    ['The', null],
    [' cat', 3],
  ]);
  const h = hoverText(r, 1, 'file:///a.txt');
  assert.match(h, /token 1 · “·cat” · id 101/);
  assert.match(h, /\| surprisal \| 3\\\.00 bits \|/);
  assert.match(h, /\| probability \| 0\\\.1250 \|/); // 2^-3
  assert.match(h, /\| entropy \| 1\\\.50 bits \|/);
  assert.match(h, /\| rank \| 4 \|/);
  assert.match(h, /\*\*Top alternatives\*\*/);
  const link = /\(command:semanticFlow\.revealToken\?([^ )]+) /.exec(h);
  assert.ok(link);
  assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [{ uri: 'file:///a.txt', tokenIndex: 1 }]);
  assert.match(hoverText(r, 0, 'u'), /No prediction: the first token has no context/);
});

test('flow and directed information appear when the result has them', () => {
  const r = resultOf(
    [
      ['a', null],
      ['b', 1],
      ['c', 2],
    ],
    {
      flow: {
        unit: 'token',
        method: 'attention-mask',
        sources: [
          { start: 0, end: 1, text: 'a' },
          { start: 1, end: 2, text: 'b' },
        ],
        targets: [2],
        phiBits: [[0.25], [1.5]],
        expectedBits: [[0], [0]],
      },
      di: {
        baseline: 'bos',
        promptText: 'a',
        promptTokenIds: [],
        baselineTokenIds: [],
        responseStart: 1,
        responseEnd: 3,
        totalBits: 4,
        totalKlBits: 0,
        tokens: [
          {
            index: 1,
            id: 102,
            text: 'c',
            start: 2,
            end: 3,
            iotaBits: 1,
            klBits: 0,
            compensatorBits: 0,
            residualBits: 0,
            z: null,
          },
        ],
      },
    },
  );
  const h = hoverText(r, 2, 'u');
  assert.ok(h.indexOf('“b” → 1\\.500 bits') < h.indexOf('“a” → 0\\.250 bits'), 'strongest first');
  assert.ok(h.includes('**Directed information** from the prompt: 1\\.000 bits (25.0% of 4\\.00 bits)'), h);
});

test('a hover shows a token as core/display makes it visible for Markdown, then escaped (C1 controls too)', () => {
  assert.equal(tokenDisplay(' a\tb\r\nc\u0085'), '·a→b↵c\\\\x85');
  assert.equal(tokenDisplay('\u200d'), '&lt;U\\+200D&gt;', 'a lone joiner as its code point, escaped as HTML');
});

test('"Analyze this" links only to analyzeRange, with the range as its argument', () => {
  const h = analyzeThisText('file:///a.py', { start: 5, end: 12, kind: 'string' });
  assert.match(h, /Analyze this string/);
  const link = /\(command:([\w.]+)\?([^ )]+) /.exec(h)!;
  assert.equal(link[1], 'semanticFlow.analyzeRange');
  assert.ok(HOVER_COMMANDS.includes(link[1]));
  assert.deepEqual(JSON.parse(decodeURIComponent(link[2])), [{ uri: 'file:///a.py', start: 5, end: 12 }]);
});
