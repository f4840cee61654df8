/** The dialogue and rate–distortion view models and their DOM parts: values as the result gives them, text as text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketOf, SIGNED_EDGES } from '../../../src/core/scale';
import { dialogueCurves, dialogueLines, dialogueStrip, turnRows } from '../../../webview/dialogueModel';
import { defaultVariant, rdPoints, rdRows, worstItems } from '../../../webview/rateDistortionModel';
import { renderTable } from '../../../webview/summary';
import { tokenDetailRows } from '../../../webview/viewModel';
import { renderWorst } from '../../../webview/worstList';
import { asHtml, FakeDocument } from './fakeDom';
import { dialogueResult, HOSTILE, plainResult, rdResult } from './fixtures';

describe('dialogue view', () => {
  it("each curve keeps its direction's cumulative value through the other side's turns", () => {
    const c = dialogueCurves(dialogueResult())!;
    assert.deepEqual(c.labels, ['1 system', '2 user', '3 assistant']);
    assert.deepEqual(c.toAssistant, [0, 0, 7.5]);
    assert.deepEqual(c.toAssistantKl, [0, 0, 1.25]);
    assert.deepEqual(c.toUser, [0, 0, 0]);
    assert.equal(dialogueCurves(plainResult()), null);
  });

  it('turn rows, totals and conservation lines read the result', () => {
    const r = dialogueResult();
    const rows = turnRows(r);
    assert.deepEqual(
      rows.map((x) => x[1]),
      ['system', 'user', 'assistant'],
    );
    assert.deepEqual(rows[2].slice(4), ['12.00 bits', '22.00 bits', '7.500 bits', '7.500 bits', 'user → assistant']);
    assert.equal(rows[0][6], '—');
    const lines = dialogueLines(r);
    assert.match(
      lines[0],
      /^I\(X → Y\), user → assistant = 7\.500 bits \(compensator 1\.250 bits, residual 6\.250 bits\)$/,
    );
    assert.match(lines[2], /gap 1\.00e-13 bits \(exact\)\. Exact by construction\./);
    assert.ok(lines[3].includes(JSON.stringify(HOSTILE[3])), 'baseline text quoted as data');
  });

  it("the strip colours content tokens by iota on the signed scale, template tokens not at all, and names each token's turn", () => {
    const s = dialogueStrip(dialogueResult());
    assert.deepEqual(
      s.map((t) => t.bucket),
      [
        null,
        bucketOf(0, SIGNED_EDGES),
        bucketOf(-2, SIGNED_EDGES),
        bucketOf(0.5, SIGNED_EDGES),
        bucketOf(7, SIGNED_EDGES),
        bucketOf(0.5, SIGNED_EDGES),
        null,
      ],
    );
    assert.match(s[0].title, /· turn 1 \(system\) · surprisal/);
    assert.match(s[4].title, /· turn 3 \(assistant\) · iota 7\.000 bits from the user · KL 0\.500 bits/);
    assert.match(s[6].title, /· template · /);
  });

  it('the token detail names the turn and the iota of a content token', () => {
    const rows = tokenDetailRows(dialogueResult(), 2);
    assert.equal(rows.find((x) => x.label === 'Turn')?.value, '2 (user), receiving from the assistant');
    assert.equal(rows.find((x) => x.label === 'iota')?.value, '-2.000 bits');
  });
});

describe('rate–distortion view', () => {
  it('points, rows and the default variant come from the result as given', () => {
    const r = rdResult();
    assert.deepEqual(rdPoints(r)[0], { label: HOSTILE[0], x: 4, y: 0.25, low: 0.125, high: 0.5 });
    assert.deepEqual(rdRows(r)[1], [
      'fp32',
      'onnx/fp32.onnx',
      '4.00 kB', // core/units formatBytes: 3 significant digits
      '32.000',
      '0.0000 [0.0000, 0.0000]',
      '0.0100 [-0.0100, 0.0300]',
    ]);
    assert.equal(defaultVariant(r), HOSTILE[0]);
    assert.deepEqual(
      worstItems(r, HOSTILE[0]).map((w) => w.tokenIndex),
      [4, 3],
    );
    assert.deepEqual(worstItems(r, 'fp32'), []);
  });

  it('the worst list: token text stays text, a click chooses the token it names', () => {
    const doc = new FakeDocument();
    const list = doc.root('ol');
    const chosen: number[] = [];
    renderWorst(asHtml(list), worstItems(rdResult(), HOSTILE[0]), (i) => chosen.push(i));
    const buttons = [...list.walk()].filter((e) => e.tagName === 'BUTTON');
    assert.equal(buttons.length, 2);
    assert.equal(buttons[0].children[0].textContent, HOSTILE[1]);
    for (const e of doc.created) assert.ok(['OL', 'LI', 'BUTTON', 'SPAN'].includes(e.tagName), e.tagName);
    buttons[1].fire('click');
    assert.deepEqual(chosen, [3]);
  });

  it('grid tables put every cell in as text', () => {
    const doc = new FakeDocument();
    const body = doc.root('tbody');
    renderTable(asHtml(body), rdRows(rdResult()));
    const cells = [...body.walk()].filter((e) => e.tagName === 'TD').map((e) => e.textContent);
    assert.ok(cells.includes(HOSTILE[0]) && cells.includes(`onnx/${HOSTILE[0]}.onnx`));
    assert.ok([...body.walk()].every((e) => ['TR', 'TD'].includes(e.tagName)));
  });
});
