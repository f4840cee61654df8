import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderLegend, renderRows } from '../../../webview/summary';
import { TokenStrip } from '../../../webview/tokenStrip';
import { legendItems, stripTokens, summaryRows, tokenDetailRows } from '../../../webview/viewModel';
import { asHtml, FakeDocument, type FakeElement } from './fakeDom';
import { diFlowResult, HOSTILE } from './fixtures';

/** Tags the widgets are allowed to create; anything else would have come from parsing text. */
const WIDGET_TAGS = new Set(['DIV', 'SPAN', 'TR', 'TH', 'TD', 'TBODY']);

function assertOnlyWidgetElements(doc: FakeDocument): void {
  for (const e of doc.created) assert.ok(WIDGET_TAGS.has(e.tagName), `unexpected <${e.tagName.toLowerCase()}> created`);
  for (const e of doc.created) for (const k of e.attributes.keys()) assert.doesNotMatch(k, /^on/i);
}

describe('document text stays text', () => {
  it('token strip: hostile token texts become textContent of plain spans', () => {
    const doc = new FakeDocument();
    const root = doc.root();
    new TokenStrip(asHtml(root), () => {}).render(stripTokens(diFlowResult(), 'surprisal'));
    assertOnlyWidgetElements(doc);
    const texts = root.children.map((c) => c.textContent);
    assert.ok(texts.includes(HOSTILE[0]));
    assert.ok(texts.includes(HOSTILE[1]));
    assert.ok(
      root.children.every((c) => c.children.length === 0),
      'a token span has no child elements',
    );
  });

  it('summary, detail and legend tables: hostile model id, baseline and token text stay text', () => {
    const doc = new FakeDocument();
    const r = diFlowResult();
    const summary = doc.root('tbody');
    renderRows(asHtml(summary), summaryRows(r));
    const detail = doc.root('tbody');
    renderRows(asHtml(detail), tokenDetailRows(r, 4));
    renderLegend(asHtml(doc.root()), legendItems());
    assertOnlyWidgetElements(doc);
    const cells = [...summary.walk(), ...detail.walk()].filter((e) => e.tagName === 'TD').map((e) => e.textContent);
    assert.ok(cells.includes(HOSTILE[2]), 'model id shown verbatim');
    assert.ok(cells.includes(`text ${JSON.stringify(HOSTILE[3])}`), 'baseline text shown verbatim, not decoded');
    assert.ok(cells.some((c) => c.includes(JSON.stringify(HOSTILE[1]))));
  });

  it('no webview or panel source uses an HTML sink', () => {
    const dirs = [
      new URL('../../../webview/', import.meta.url),
      new URL('../../../src/extension/panel/', import.meta.url),
    ];
    for (const dir of dirs) {
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
        const src = readFileSync(new URL(f, dir), 'utf8');
        assert.doesNotMatch(
          src,
          /\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|DOMParser|createContextualFragment/,
          f,
        );
      }
    }
  });
});

describe('token strip keyboard and mouse', () => {
  function setup() {
    const doc = new FakeDocument();
    const root = doc.root();
    const chosen: number[] = [];
    const strip = new TokenStrip(asHtml(root), (p) => chosen.push(p));
    strip.render(stripTokens(diFlowResult(), 'surprisal'));
    const tabStops = () => root.children.filter((c) => c.tabIndex === 0);
    return { doc, root, strip, chosen, tabStops };
  }

  it('is one tab stop; arrows, Home and End move it; Enter and Space select', () => {
    const { doc, root, chosen, tabStops } = setup();
    assert.deepEqual(tabStops(), [root.children[0]]);
    const key = (k: string) => (doc.activeElement ?? root.children[0]).fire('keydown', { key: k });
    assert.equal(key('ArrowRight').defaultPrevented, true);
    key('ArrowRight');
    assert.equal(doc.activeElement, root.children[2]);
    assert.deepEqual(tabStops(), [root.children[2]]);
    key('ArrowLeft');
    assert.equal(doc.activeElement, root.children[1]);
    key('End');
    assert.equal(doc.activeElement, root.children[6]);
    key('ArrowRight');
    assert.equal(doc.activeElement, root.children[6], 'stops at the end');
    key('Home');
    key('ArrowDown');
    key('Enter');
    assert.deepEqual(chosen, [1]);
    assert.equal(root.children[1].getAttribute('aria-selected'), 'true');
    key('ArrowRight');
    key(' ');
    assert.deepEqual(chosen, [1, 2]);
    assert.equal(root.children[1].getAttribute('aria-selected'), 'false');
    assert.equal(key('a').defaultPrevented, false, 'other keys pass through');
  });

  it('selects on click and highlights without notifying on reveal', () => {
    const { doc, root, strip, chosen } = setup();
    root.children[3].fire('click');
    assert.deepEqual(chosen, [3]);
    assert.ok(root.children[3].classList.contains('selected'));
    doc.activeElement = null;
    strip.setSelected(5, { scroll: true });
    assert.deepEqual(chosen, [3], 'a reveal from the editor is not echoed back');
    assert.equal(doc.activeElement, null, 'a reveal does not steal focus');
    assert.equal(doc.scrolledTo, root.children[5]);
    assert.ok(!root.children[3].classList.contains('selected'));
    assert.ok(root.children[5].classList.contains('selected'));
    strip.setSelected(null);
    assert.ok(root.children.every((c: FakeElement) => !c.classList.contains('selected')));
  });

  it('colours each token with its bucket class', () => {
    const { root } = setup();
    const expected = stripTokens(diFlowResult(), 'surprisal').map((t) => (t.bucket === null ? 'nob' : `b${t.bucket}`));
    assert.deepEqual(
      root.children.map((c) => c.className.split(' ')[1]),
      expected,
    );
  });
});
