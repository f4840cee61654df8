// @ts-check
/**
 * Product checks for the Semantic Flow extension in a real VS Code (code-server + headless Chromium).
 *
 * What they prove (the "Done when"):
 *   1. Analyze Selection from the palette decorates exactly the tokens the CLI finds (covered text = token text);
 *   2. the hover over an analysed token shows the CLI's bits for that token (surprisal, entropy, rank);
 *   3. Show Panel draws the surprisal chart and shows the CLI's bits/token and bits/byte;
 *   4. Directed Information and Token Flow Matrix render (#chart-di, #flow-heatmap drawn);
 *   5. Export Result writes a JSON file that parses (through code-server's simple save dialog, which asks before replacing a file);
 *   6. an empty selection and a missing model folder give clear messages, and analysis still works after;
 *   7. screenshots of the decorations, a hover and the panel in the dark and the light theme;
 *   8. hostile text shows as text in the real webview: no element, no script, no dialog made from it.
 *
 * Every wait is a condition: the extension's status file (SEMANTIC_FLOW_E2E_STATUS, written after each
 * command; shape in src/extension/e2eStatus.ts), DOM text, or a file on disk. No fixed sleeps.
 * Reference numbers come from the CLI (dist/cli.js) run on exactly the text the check selected.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const {
  ID,
  titleOf,
  readStatus,
  runAndWait,
  cli,
  fileLine,
  selectWholeLine,
  focusFirstGroup,
  openInFirstGroup,
} = require('../productSteps');

const HOSTILE = '<img src=x onerror=alert(1)>';
const HOSTILE2 = '<script>alert(2)</script>';

module.exports = ({ check, assert, vscode: { waitFor, TIMEOUTS } }) => {
  /** State shared by the checks (each check still sets up what it needs on its own). */
  const S = {
    /** CLI JSON for the selected paragraph (line 1 of prompt.md). */
    ref: /** @type {any} */ (null),
    refText: '',
    /** Chromium dialogs seen before the hostile check. */
    dialogsBefore: 0,
  };

  // ---------------------------------------------------------------------------------------------
  // helpers
  // ---------------------------------------------------------------------------------------------

  /** Decorations with a painted background (the bucket colours), in document order. */
  const painted = (d) =>
    d.filter((x) => x.layer === 'overlay' && !/rgba\(\d+, \d+, \d+, 0\)|transparent/.test(x.background));

  /**
   * Matches decoration boxes to the tokens of `text` (the analysed line). Each box is placed at its covered
   * text (in document order). A token cut by a soft wrap gives one box per screen row, and VS Code merges
   * touching ranges of one decoration type into one box, so: boxes that continue each other across rows
   * are joined, and every joined box must then be exactly one token or a run of consecutive whole tokens.
   * Returns the tokens covered (positions), boxes that fit nothing, and the tokens of each box's colour.
   */
  function matchBoxes(boxes, tokens, text) {
    const placed = [];
    const bad = [];
    let pos = 0;
    for (const b of boxes) {
      const at = b.text ? text.indexOf(b.text, pos) : -1;
      if (at < 0) {
        if (b.text) bad.push(b.text);
        continue;
      }
      placed.push({ start: at, end: at + b.text.length, y: b.y, background: b.background });
      pos = at + b.text.length;
    }
    const joined = [];
    for (const p of placed) {
      const last = joined[joined.length - 1];
      if (last && last.end === p.start && last.y !== p.y && last.background === p.background)
        Object.assign(last, { end: p.end, y: p.y });
      else joined.push({ ...p });
    }
    const startAt = new Map(tokens.map((t, i) => [t.start, i]));
    const covered = new Set();
    const byColour = new Map();
    for (const j of joined) {
      let i = startAt.get(j.start);
      if (i === undefined) {
        bad.push(text.slice(j.start, j.end));
        continue;
      }
      const run = [];
      while (i < tokens.length && tokens[i].end <= j.end) run.push(i++);
      if (!run.length || tokens[run[run.length - 1]].end !== j.end) {
        bad.push(text.slice(j.start, j.end));
        continue;
      }
      for (const k of run) {
        covered.add(k);
        if (!byColour.has(j.background)) byColour.set(j.background, []);
        byColour.get(j.background).push(tokens[k]);
      }
    }
    return { covered, bad, byColour, boxes: joined.length };
  }

  /** Screen band [top, bottom) of model line `n` in the active editor (all its wrapped rows). */
  async function lineBand(vsc, n) {
    return vsc.page.evaluate((n) => {
      const ed = document.querySelector('.editor-group-container.active .editor-instance .monaco-editor');
      if (!ed) return null;
      const nums = [...ed.querySelectorAll('.margin-view-overlays .line-numbers')]
        .map((l) => ({ n: +(l.textContent || 0), top: l.getBoundingClientRect().top }))
        .filter((x) => x.n > 0)
        .sort((a, b) => a.top - b.top);
      const me = nums.find((x) => x.n === n);
      if (!me) return null;
      const next = nums.find((x) => x.n > n);
      return { top: me.top, bottom: next ? next.top : Infinity };
    }, n);
  }

  /** Scored tokens of a CLI result that get a colour (a value; not special). */
  const bucketed = (r) => r.tokens.filter((x) => !x.special && x.surprisalBits !== null && x.end > x.start);

  /** A number from text after `label`, e.g. num('surprisal 20.63 bits', 'surprisal') = '20.63'. */
  function numAfter(text, label) {
    const m = new RegExp(`${label}\\s*[:|]?\\s*(-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?)`, 'i').exec(text);
    return m ? m[1] : null;
  }

  /** The panel webview frame, once it shows its content (not the empty state). */
  async function panel(vsc) {
    const wv = await vsc.webview();
    await wv.locator('#content').waitFor({ state: 'visible', timeout: TIMEOUTS.command });
    return wv;
  }

  /** Rows of the panel's summary table as { label: value }. */
  async function summaryOf(wv) {
    const rows = await wv
      .locator('#summary-table tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          (tr.querySelector('th') || {}).textContent || '',
          (tr.querySelector('td') || {}).textContent || '',
        ]),
      );
    return Object.fromEntries(rows.map(([k, v]) => [k.trim(), v.trim()]));
  }

  /**
   * Answers Export Result's questions: JSON in the format picker, then `target` in code-server's simple save
   * dialog (a quick input holding a path), and Enter.
   */
  async function answerExport(vsc, target) {
    const box = vsc.page.locator('.quick-input-widget .quick-input-box input');
    const kind = await waitFor(
      async () => {
        if (!(await box.isVisible())) return null;
        const v = await box.inputValue();
        if (v.startsWith('/') || v.startsWith('~')) return 'path';
        const rows = await vsc.quickInputRows();
        return rows.some((r) => /json/i.test(r)) ? 'format' : null;
      },
      { timeout: TIMEOUTS.command, message: 'the export format picker or save dialog' },
    );
    if (kind === 'format') {
      await vsc.page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /json/i })
        .first()
        .click();
      await waitFor(async () => (await box.isVisible()) && /^[/~]/.test(await box.inputValue()), {
        timeout: TIMEOUTS.command,
        message: 'save dialog',
      });
    }
    // the simple dialog sets its own value once it has listed the folder (rows such as '..' show):
    // type the path after that, and again if the dialog rewrote it
    const rows = vsc.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: TIMEOUTS.command });
    await waitFor(
      async () => {
        if ((await box.inputValue()) === target) return true;
        await box.fill(target);
        return false;
      },
      { timeout: TIMEOUTS.ui, interval: 300, message: `the save dialog to hold ${target}` },
    );
    await vsc.page.keyboard.press('Enter');
  }

  /** Size and painted pixels of a canvas in the panel. */
  async function canvasInfo(wv, sel) {
    return wv.locator(sel).evaluate((c) => {
      const canvas = /** @type {HTMLCanvasElement} */ (c);
      const r = canvas.getBoundingClientRect();
      let paintedPx = 0;
      let colouredPx = 0;
      if (canvas.width > 0 && canvas.height > 0) {
        const ctx = canvas.getContext('2d');
        const d = ctx ? ctx.getImageData(0, 0, canvas.width, canvas.height).data : [];
        for (let i = 3; i < d.length; i += 4) {
          if (d[i] === 0) continue;
          paintedPx++;
          // series and heatmap cells are coloured; axes, grid and labels are grey
          if (d[i] > 100 && Math.max(d[i - 3], d[i - 2], d[i - 1]) - Math.min(d[i - 3], d[i - 2], d[i - 1]) > 80)
            colouredPx++;
        }
      }
      return {
        width: r.width,
        height: r.height,
        canvasWidth: canvas.width,
        canvasHeight: canvas.height,
        paintedPx,
        colouredPx,
        visible: r.width > 0 && r.height > 0 && !canvas.closest('[hidden]'),
      };
    });
  }

  /** Waits until a panel canvas is visible, has a size and shows something drawn. */
  async function waitCanvasDrawn(wv, sel, minColoured = 50) {
    let last = null;
    try {
      return await waitFor(
        async () => {
          last = await canvasInfo(wv, sel);
          return last.visible && last.canvasWidth > 0 && last.canvasHeight > 0 && last.colouredPx >= minColoured
            ? last
            : null;
        },
        { timeout: TIMEOUTS.command, message: `${sel} drawn with data (coloured pixels)` },
      );
    } catch (e) {
      throw new Error(`${e.message}; last: ${JSON.stringify(last)}`);
    }
  }

  /** Analyzes line 1 of prompt.md (the prose paragraph) unless the active editor already shows that result. */
  async function analyzeParagraph(t) {
    const { vsc } = t;
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    S.refText = fileLine(t, 'prompt.md', 1);
    if (!S.ref) S.ref = cli(t, ['analyze', '--format', 'json', 0], { 'para.txt': S.refText });
    await selectWholeLine(vsc, 1, S.refText.length);
    const s = await runAndWait(t, ID.analyzeSelection);
    assert(s.ok, `Analyze Selection failed: ${JSON.stringify(s.errors.slice(-2))}`);
    await vsc.goTo(1, 1); // collapse the selection: selected whitespace would render as '·'
    return s;
  }

  // ---------------------------------------------------------------------------------------------
  // checks
  // ---------------------------------------------------------------------------------------------

  check('product: commands are contributed and the extension activates', async (t) => {
    const ids = ((t.pkg.contributes && t.pkg.contributes.commands) || []).map((c) => c.command);
    const want = [
      'analyzeSelection',
      'analyzeDocument',
      'directedInformation',
      'generate',
      'flowMatrix',
      'compareModels',
      'showPanel',
      'clearDecorations',
      'selectModel',
      'exportResult',
      'connectServer',
      'restartEngine',
      'toggleLiveMode',
      'dialogue',
      'rateDistortion',
    ].map((x) => `semanticFlow.${x}`);
    const missing = want.filter((x) => !ids.includes(x));
    assert(missing.length === 0, `package.json does not contribute: ${missing.join(', ')}`);
    assert(
      fs.existsSync(path.join(t.env.repo, t.pkg.main || 'dist/extension.js')),
      `${t.pkg.main} is not built (node tools/build.mjs)`,
    );
    // the analysis commands are listed while an editor is open (menus.commandPalette: editorIsOpen)
    await openInFirstGroup(t.vsc, 'prompt.md', 'capital of France');
    for (const id of [ID.analyzeSelection, ID.directedInformation, ID.flowMatrix, ID.showPanel, ID.exportResult]) {
      assert(await t.vsc.hasCommand(titleOf(t.pkg, id)), `the palette does not list "${titleOf(t.pkg, id)}" (${id})`);
    }
  });

  check('product: Analyze Selection decorates the tokens the CLI finds', async (t) => {
    const { vsc } = t;
    const s = await analyzeParagraph(t);
    const ref = S.ref;
    const colored = bucketed(ref);
    // the extension scored the same text as the CLI
    assert(
      s.result && s.result.tokens === ref.summary.tokens,
      `status says ${s.result && s.result.tokens} tokens, CLI ${ref.summary.tokens}`,
    );
    assert(
      Math.abs(s.result.totalBits - ref.summary.totalBits) < 1e-3,
      `total bits ${s.result.totalBits} vs CLI ${ref.summary.totalBits}`,
    );
    assert(
      s.decorations.total === colored.length,
      `status: ${s.decorations.total} decoration ranges, CLI has ${colored.length} scored tokens (${JSON.stringify(s.decorations)})`,
    );
    // what the editor shows: the boxes on line 1 (all its wrapped rows)
    const band = await lineBand(vsc, 1);
    assert(!!band, 'line 1 is not visible');
    const onLine1 = (d) => painted(d).filter((x) => x.y + x.height / 2 >= band.top && x.y + x.height / 2 < band.bottom);
    const decos = await vsc.waitForDecorations((d) => onLine1(d).length > 0);
    const boxes = onLine1(decos);
    const m = matchBoxes(boxes, colored, S.refText);
    assert(
      m.bad.length === 0,
      `decorations that are not whole tokens: ${JSON.stringify(m.bad.slice(0, 8))}; tokens: ${JSON.stringify(colored.slice(0, 12).map((x) => x.text))}`,
    );
    const uncovered = colored.filter((_, i) => !m.covered.has(i)).map((x) => x.text);
    assert(
      uncovered.length === 0,
      `${uncovered.length} of ${colored.length} tokens have no decoration: ${JSON.stringify(uncovered.slice(0, 10))}`,
    );
    // the colours are a bucketing of surprisal: ordered by surprisal, the colours' ranges do not overlap
    const ranges = [...m.byColour.entries()]
      .map(([c, ts]) => ({
        c,
        lo: Math.min(...ts.map((x) => x.surprisalBits)),
        hi: Math.max(...ts.map((x) => x.surprisalBits)),
      }))
      .sort((a, b) => a.lo - b.lo);
    assert(ranges.length >= 3, `only ${ranges.length} colours for ${colored.length} tokens`);
    for (let i = 1; i < ranges.length; i++) {
      assert(ranges[i].lo > ranges[i - 1].hi, `colours overlap in surprisal: ${JSON.stringify(ranges)}`);
    }
    await vsc.screenshot('product-decorations');
  });

  check('product: hover shows the CLI bits for the token', async (t) => {
    const { vsc } = t;
    if (!S.ref) await analyzeParagraph(t);
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    await waitFor(async () => painted(await vsc.decorations()).length > 0, { message: 'decorations on prompt.md' });
    // two whole-word tokens whose word occurs once in the file, so the mouse lands on exactly that token
    const doc = fs.readFileSync(path.join(t.env.ws, 'prompt.md'), 'utf8');
    const once = (w) => doc.split(w).length === 2;
    const picks = S.ref.tokens.filter((x) => /^ [a-z]{5,}$/.test(x.text) && once(x.text.trim())).slice(0, 2);
    assert(picks.length === 2, `no two unique word tokens in ${JSON.stringify(S.ref.tokens.map((x) => x.text))}`);
    for (const tok of picks) {
      const word = tok.text.trim();
      const text = await vsc.hover(word, { contains: 'surprisal' });
      const got = {
        surprisal: numAfter(text, 'surprisal'),
        entropy: numAfter(text, 'entropy'),
        rank: numAfter(text, 'rank'),
      };
      const want = {
        surprisal: tok.surprisalBits.toFixed(2),
        entropy: tok.entropyBits.toFixed(2),
        rank: String(tok.rank),
      };
      assert(
        got.surprisal !== null && Number(got.surprisal).toFixed(2) === want.surprisal,
        `hover over "${word}": surprisal ${got.surprisal}, CLI ${tok.surprisalBits} (${want.surprisal}); hover:\n${text}`,
      );
      assert(
        got.entropy !== null && Number(got.entropy).toFixed(2) === want.entropy,
        `hover over "${word}": entropy ${got.entropy}, CLI ${want.entropy}`,
      );
      assert(got.rank === want.rank, `hover over "${word}": rank ${got.rank}, CLI ${want.rank}`);
      assert(
        text.includes(`token ${tok.index} `) && text.includes(word) && /probability/i.test(text),
        `hover over "${word}" is not for token ${tok.index} or lacks fields:\n${text}`,
      );
      if (tok === picks[0]) await vsc.screenshot('product-hover');
      await vsc.hideHover();
    }
  });

  check('product: panel shows the chart and the CLI summary (dark and light theme)', async (t) => {
    const { vsc } = t;
    if (!S.ref) await analyzeParagraph(t);
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France'); // the panel shows the latest result: make it this one
    const s = await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command });
    assert(s.ok, `Show Panel: ${JSON.stringify(s.errors.slice(-2))}`);
    const wv = await panel(vsc);
    const ref = S.ref.summary;
    let rows = {};
    // the panel may first show another result: wait until its summary is this paragraph's
    try {
      await waitFor(
        async () => {
          rows = await summaryOf(wv);
          return (rows.Tokens || '').startsWith(`${ref.tokens} `) && /\d/.test(rows['Bits per token'] || '');
        },
        { message: 'summary of the analysed paragraph' },
      );
    } catch (e) {
      throw new Error(`${e.message}; summary rows: ${JSON.stringify(rows)}`);
    }
    for (const [label, value] of [
      ['Bits per token', ref.bitsPerToken],
      ['Bits per byte', ref.bitsPerByte],
    ]) {
      const shown = rows[label];
      const m = /(-?\d+)(?:\.(\d+))?/.exec(shown || '');
      assert(!!m, `summary has no number for "${label}": ${JSON.stringify(rows)}`);
      const digits = (m[2] || '').length;
      assert(
        m[0] === value.toFixed(digits),
        `summary "${label}" shows ${shown}; CLI ${value} → ${value.toFixed(digits)}`,
      );
    }
    const table = await wv.locator('#summary-table').innerText();
    assert(
      table.includes(ref.bitsPerToken.toFixed(3)) && table.includes(ref.bitsPerByte.toFixed(3)),
      `summary text:\n${table}`,
    );
    const chart = await waitCanvasDrawn(wv, '#chart-surprisal');
    assert(chart.width > 50 && chart.height > 50, `chart box ${JSON.stringify(chart)}`);
    const strip = await wv.locator('#token-strip').evaluate((e) => ({ n: e.children.length, text: e.textContent }));
    assert(strip.n === ref.tokens, `token strip has ${strip.n} tokens, CLI ${ref.tokens}`);
    assert(await wv.locator('#legend').isVisible(), '#legend not visible');
    for (const id of ['export-json', 'export-csv', 'export-png'])
      assert(await wv.locator(`#${id}`).isVisible(), `#${id} not visible`);
    await vsc.screenshot('product-panel-dark');
    // light theme: workbench and webview both switch; the chart is redrawn
    try {
      assert((await vsc.setColorTheme('Light Modern')) === 'vs', 'theme kind is not light');
      await wv.locator('body.vscode-light').waitFor({ state: 'attached', timeout: TIMEOUTS.ui });
      await waitCanvasDrawn(wv, '#chart-surprisal');
      const lightDecos = painted(await vsc.decorations());
      assert(lightDecos.length > 0, 'no decorations in the light theme');
      await vsc.screenshot('product-panel-light');
    } finally {
      await vsc.setColorTheme('Dark Modern');
    }
    await wv.locator('body.vscode-dark').waitFor({ state: 'attached', timeout: TIMEOUTS.ui });
  });

  check('product: Directed Information renders the DI chart', async (t) => {
    const { vsc } = t;
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    const lines = [3, 4, 5].map((n) => fileLine(t, 'prompt.md', n));
    assert(lines[1].trim() === '---', `prompt.md line 4 is not the marker: ${JSON.stringify(lines[1])}`);
    await vsc.selectRange(3, 1, 5, lines[2].length + 1);
    const s = await runAndWait(t, ID.directedInformation);
    assert(
      s.ok && s.result && s.result.hasDi,
      `Directed Information: ok=${s.ok} result=${JSON.stringify(s.result)} errors=${JSON.stringify(s.errors.slice(-2))}`,
    );
    // the same split as the extension: the prompt keeps its line break, the marker line belongs to neither
    const ref = cli(t, ['di', '--format', 'json', '--prompt', 0, '--response', 1], {
      'prompt.txt': `${lines[0]}\n`,
      'response.txt': lines[2],
    });
    const ss = await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command });
    assert(ss.ok, 'Show Panel failed');
    const wv = await panel(vsc);
    await wv.locator('#section-di').waitFor({ state: 'visible', timeout: TIMEOUTS.command });
    await waitCanvasDrawn(wv, '#chart-di');
    let rows = {};
    await waitFor(
      async () => {
        rows = await summaryOf(wv);
        return !!rows['Directed information'];
      },
      { message: 'DI summary row' },
    ).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(rows)}`);
    });
    const shown = rows['Directed information'];
    const m = /(-?\d+)(?:\.(\d+))?/.exec(shown);
    const digits = m && m[2] ? m[2].length : 0;
    assert(
      !!m && m[0] === ref.di.totalBits.toFixed(digits),
      `panel "Directed information" ${shown}; CLI di ${ref.di.totalBits} (baseline ${ref.di.baseline})`,
    );
    await wv.locator('#chart-di').scrollIntoViewIfNeeded();
    await vsc.screenshot('product-di');
  });

  check('product: Token Flow Matrix draws the heatmap', async (t) => {
    const { vsc } = t;
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    const line = fileLine(t, 'prompt.md', 5);
    await selectWholeLine(vsc, 5, line.length);
    const s = await runAndWait(t, ID.flowMatrix, {
      during: async () => {
        // the command asks for the unit: token
        const row = vsc.page
          .locator('.quick-input-widget .quick-input-list .monaco-list-row')
          .filter({
            has: vsc.page.locator('.label-name, .monaco-highlighted-label', { hasText: /^token$/ }),
          })
          .first();
        await row.waitFor({ state: 'visible', timeout: TIMEOUTS.command });
        await row.click();
      },
    });
    assert(
      s.ok && s.result && s.result.hasFlow,
      `Token Flow Matrix: ok=${s.ok} result=${JSON.stringify(s.result)} errors=${JSON.stringify(s.errors.slice(-2))}`,
    );
    // code-server's extension host runs Node 24, whose V8 has relaxed SIMD: the fused-multiply-add kernel compared the rows
    assert(s.result.flowComparisons === 'wasm-relaxed-simd', `flow rows compared by ${s.result.flowComparisons}`);
    const ss = await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command });
    assert(ss.ok, 'Show Panel failed');
    const wv = await panel(vsc);
    await wv.locator('#section-flow').waitFor({ state: 'visible', timeout: TIMEOUTS.command });
    const hm = await waitCanvasDrawn(wv, '#flow-heatmap');
    assert(hm.width > 20 && hm.height > 20, `heatmap box ${JSON.stringify(hm)}`);
    const labels = await wv.locator('#flow-rows').evaluate((e) => e.children.length);
    assert(labels > 0, 'heatmap has no row labels');
    // The key names the colour scale in bits; the keyboard walks the cells and Enter picks the target token.
    const key = await wv.locator('#flow-scale').innerText();
    assert(
      /−\d+\.\d{3} bits[\s\S]*0[\s\S]*\+\d+\.\d{3} bits/.test(key) && /φ: how many bits/.test(key),
      `heatmap key: ${JSON.stringify(key)}`,
    );
    await wv.locator('#flow-heatmap').focus();
    for (const k of ['ArrowRight', 'ArrowRight', 'ArrowDown']) await vsc.page.keyboard.press(k);
    const readout = await waitFor(
      async () => {
        const text = await wv.locator('#flow-readout').innerText();
        return /^.+ → .+: (-?\d+\.\d{3} bits|no value)$/.test(text) ? text : null;
      },
      { timeout: TIMEOUTS.command, message: 'the heatmap readout after arrow keys' },
    );
    const target = readout.split(' → ')[1].split(':')[0];
    await vsc.page.keyboard.press('Enter');
    await waitFor(async () => (await wv.locator('#token-detail-body').innerText()).includes(target.trim()), {
      timeout: TIMEOUTS.command,
      message: `token detail of the chosen target ${JSON.stringify(target)}`,
    });
    await wv.locator('#section-flow').scrollIntoViewIfNeeded();
    await vsc.screenshot('product-flow');
  });

  check(
    'product: Export Result writes a JSON file that parses, and replaces a file only after the save dialog asked',
    async (t) => {
      const { vsc, env } = t;
      await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
      const line = fileLine(t, 'prompt.md', 5);
      await selectWholeLine(vsc, 5, line.length);
      const a = await runAndWait(t, ID.analyzeSelection);
      assert(a.ok, 'analysis before export failed');
      const target = path.join(env.ws, `e2e-export-${process.pid}.json`);
      fs.rmSync(target, { force: true });
      const s = await runAndWait(t, ID.exportResult, { during: () => answerExport(vsc, target) });
      const text = await waitFor(() => (fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null), {
        message: `${target} written`,
      });
      let j;
      try {
        j = JSON.parse(text);
      } catch (e) {
        throw new Error(`${target} is not JSON: ${e.message}; starts ${JSON.stringify(text.slice(0, 80))}`);
      }
      assert(
        Array.isArray(j.tokens) && j.tokens.length > 0 && j.summary,
        `exported JSON lacks tokens/summary: keys ${Object.keys(j)}`,
      );
      assert(j.text === line, `exported text ${JSON.stringify(j.text)}, selected ${JSON.stringify(line)}`);
      assert(s.ok, `export status not ok: ${JSON.stringify(s.errors.slice(-2))}`);
      const ref = cli(t, ['analyze', '--format', 'json', 0], { 'response.txt': line });
      assert(
        j.tokens.length === ref.tokens.length && Math.abs(j.summary.totalBits - ref.summary.totalBits) < 1e-3,
        `exported ${j.tokens.length} tokens / ${j.summary.totalBits} bits; CLI ${ref.tokens.length} / ${ref.summary.totalBits}`,
      );
      // The save dialog asks before replacing a file; the export asks nothing more, and writes once confirmed.
      fs.writeFileSync(target, 'precious');
      const again = await runAndWait(t, ID.exportResult, {
        during: async () => {
          await answerExport(vsc, target);
          const widget = vsc.page.locator('.quick-input-widget');
          await waitFor(async () => /already exists/i.test((await widget.innerText().catch(() => '')) || ''), {
            timeout: TIMEOUTS.ui,
            message: 'the save dialog asking before replacing the file',
          });
          assert(
            fs.readFileSync(target, 'utf8') === 'precious',
            "the file was replaced before the dialog's confirmation",
          );
          await vsc.page.keyboard.press('Enter');
        },
      });
      assert(
        again.ok && JSON.parse(fs.readFileSync(target, 'utf8')).text === line,
        'the confirmed replacement was not written',
      );
      await vsc.escape();
    },
  );

  check('product: empty selection gives a clear message', async (t) => {
    const { vsc } = t;
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    await vsc.clearNotifications();
    await vsc.goTo(2, 1); // an empty line, nothing selected
    const c = await vsc.cursor();
    assert(!!c && c.selected === 0, `selection not empty: ${JSON.stringify(c)}`);
    const errorsBefore = (readStatus(t.env.statusFile) || { errors: [] }).errors.length;
    const s = await runAndWait(t, ID.analyzeSelection);
    assert(s.errors.length > errorsBefore || !s.ok, `no message recorded for an empty selection: ${JSON.stringify(s)}`);
    const msg = s.errors[s.errors.length - 1];
    assert(/select/i.test(msg), `message does not say to select text: ${msg}`);
    const toast = await vsc.waitForNotification(msg.slice(0, 40));
    const toastText = await toast.innerText();
    assert(toastText.includes(msg.slice(0, 40)), `toast: ${toastText}`);
    assert(s.engine !== 'error', `engine ${s.engine} after an empty selection`);
    await vsc.screenshot('product-empty-selection');
    await vsc.clearNotifications();
    // nothing broke: a real selection still analyses
    const line = fileLine(t, 'prompt.md', 5);
    await selectWholeLine(vsc, 5, line.length);
    const again = await runAndWait(t, ID.analyzeSelection);
    assert(
      again.ok && again.result && again.result.tokens > 0,
      `analysis after the empty selection failed: ${JSON.stringify(again.errors.slice(-2))}`,
    );
  });

  check('product: missing model folder gives a message naming it', async (t) => {
    const { vsc, env } = t;
    const missing = path.join(env.ws, 'no-such-model-e2e');
    const settingsFile = path.join(env.ws, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    const line = fileLine(t, 'prompt.md', 5);
    /** Analyzes line 5 until `done(status)` (the settings file change reaches the extension asynchronously). */
    const analyzeUntil = async (done, what) => {
      let s = null;
      for (let i = 0; i < 10; i++) {
        await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
        await selectWholeLine(vsc, 5, line.length);
        s = await runAndWait(t, ID.analyzeSelection);
        if (done(s)) return s;
      }
      throw new Error(`${what}: last status ${JSON.stringify(s)}`);
    };
    try {
      await vsc.clearNotifications();
      fs.writeFileSync(settingsFile, JSON.stringify({ 'semanticFlow.model': missing }, null, 2));
      const s = await analyzeUntil((x) => !x.ok, 'analysis with a missing model never failed');
      const msg = s.errors[s.errors.length - 1] || '';
      assert(msg.includes(missing), `the message does not name the folder ${missing}: ${msg}`);
      const toast = await vsc.waitForNotification(missing);
      assert((await toast.innerText()).includes(missing), 'toast does not name the folder');
      await vsc.screenshot('product-missing-model');
      // the failed load must not leave its progress notification ("analyzing: Loading …") behind
      const progress = vsc.page.locator('.notifications-toasts .notification-toast', { hasText: /analyzing/i });
      await progress
        .first()
        .waitFor({ state: 'hidden', timeout: TIMEOUTS.ui })
        .catch(async () => {
          throw new Error(`the progress notification stays after the error: ${await progress.first().innerText()}`);
        });
    } finally {
      fs.writeFileSync(settingsFile, '{}\n');
    }
    await vsc.clearNotifications();
    const ok = await analyzeUntil((x) => x.ok, 'analysis did not recover after the model setting was removed');
    assert(ok.result && ok.result.tokens > 0, 'no result after recovery');
  });

  check('product: hostile text shows as text in the panel (no element, no script, no dialog)', async (t) => {
    const { vsc } = t;
    S.dialogsBefore = vsc.dialogs.length;
    // 1. the panel is open before the hostile text arrives, with probes installed in the real webview
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    const s0 = await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command });
    assert(s0.ok, 'Show Panel failed');
    const wv = await vsc.webview();
    await wv.locator('#app').waitFor({ state: 'attached', timeout: TIMEOUTS.command });
    const probe = wv.locator('html');
    await probe.evaluate(() => {
      const w = /** @type {any} */ (window);
      w.__e2e = { alerts: [], added: [], csp: [] };
      for (const n of ['alert', 'confirm', 'prompt', 'print'])
        w[n] = (...a) => {
          w.__e2e.alerts.push(`${n}(${a.join(',')})`);
        };
      new MutationObserver((ms) => {
        for (const m of ms) {
          for (const n of m.addedNodes) {
            if (n.nodeType !== 1) continue;
            const el = /** @type {Element} */ (n);
            const bad = [el, ...el.querySelectorAll('*')].filter(
              (x) =>
                /^(IMG|SCRIPT|IFRAME|OBJECT|EMBED|SVG|IMAGE)$/i.test(x.tagName) ||
                [...x.attributes].some((a) => /^on/i.test(a.name)),
            );
            for (const b of bad) w.__e2e.added.push(b.outerHTML.slice(0, 200));
          }
        }
      }).observe(document.documentElement, { childList: true, subtree: true, attributes: true });
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__e2e.csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    // 2. analyze the hostile file
    await openInFirstGroup(vsc, 'hostile.txt', HOSTILE2);
    const text = fs.readFileSync(path.join(t.env.ws, 'hostile.txt'), 'utf8').replace(/\r?\n$/, '');
    await selectWholeLine(vsc, 1, text.length);
    const s = await runAndWait(t, ID.analyzeSelection);
    assert(s.ok, `analysis of hostile.txt failed: ${JSON.stringify(s.errors.slice(-2))}`);
    await vsc.goTo(1, 1);
    // 3. the panel shows the text as text
    await waitFor(async () => ((await wv.locator('#token-strip').textContent()) || '').includes(HOSTILE), {
      message: `#token-strip to contain ${HOSTILE}`,
    });
    const stripText = await wv.locator('#token-strip').textContent();
    assert(stripText.includes(HOSTILE2), `#token-strip lacks ${HOSTILE2}: ${stripText}`);
    const dom = await probe.evaluate(() => {
      const w = /** @type {any} */ (window);
      return {
        probe: !!w.__e2e,
        alerts: w.__e2e ? w.__e2e.alerts : null,
        added: w.__e2e ? w.__e2e.added : null,
        csp: w.__e2e ? w.__e2e.csp : null,
        imgs: document.querySelectorAll('img, iframe, object, embed').length,
        scripts: [...document.querySelectorAll('script')].map(
          (x) => x.getAttribute('src') || `inline:${(x.textContent || '').slice(0, 40)}`,
        ),
        onAttrs: [...document.querySelectorAll('*')]
          .filter((x) => [...x.attributes].some((a) => /^on/i.test(a.name)))
          .map((x) => x.outerHTML.slice(0, 120)),
        stripChildrenTags: [...new Set([...document.querySelectorAll('#token-strip *')].map((x) => x.tagName))],
      };
    });
    assert(dom.probe, 'the webview reloaded while analysing (probe lost); cannot prove the absence of side effects');
    assert(dom.alerts.length === 0, `a dialog function ran in the webview: ${dom.alerts.join('; ')}`);
    assert(dom.added.length === 0, `elements made from the text: ${dom.added.join(' | ')}`);
    assert(dom.imgs === 0, `${dom.imgs} img/iframe/object/embed elements in the panel`);
    // the panel's own bundle, plus the acquireVsCodeApi shim that VS Code injects into every webview
    const ours = dom.scripts.filter((x) => /\/dist\/webview\/webview\.js$/.test(x));
    const others = dom.scripts.filter((x) => !ours.includes(x) && !/^inline:\s*globalThis\.acquireVsCodeApi/.test(x));
    assert(ours.length === 1 && others.length === 0, `scripts in the panel: ${JSON.stringify(dom.scripts)}`);
    assert(dom.onAttrs.length === 0, `elements with on* attributes: ${JSON.stringify(dom.onAttrs)}`);
    assert(
      dom.stripChildrenTags.every((x) => x === 'SPAN'),
      `token strip holds ${dom.stripChildrenTags}`,
    );
    assert(dom.csp.length === 0, `CSP violations (something tried to load or run): ${dom.csp.join('; ')}`);
    assert(vsc.dialogs.length === S.dialogsBefore, `browser dialogs: ${vsc.dialogs.slice(S.dialogsBefore).join('; ')}`);
    // the hover in the editor shows the characters, no image either
    const hover = await vsc.hover('onerror', { line: 1, contains: 'surprisal' });
    assert(/bits/.test(hover), `hover: ${hover}`);
    assert((await vsc.page.locator('.monaco-hover img').count()) === 0, 'an <img> in the hover');
    await vsc.screenshot('product-hostile-panel');
    await vsc.hideHover();
    assert(vsc.dialogs.length === S.dialogsBefore, `browser dialogs: ${vsc.dialogs.slice(S.dialogsBefore).join('; ')}`);
  });

  /**
   * Runs `run` with the workspace setting semanticFlow.model = `dir`, then removes it. The setting reaches the
   * extension asynchronously, so `run` repeats its command until the status shows the model took effect.
   */
  async function withWorkspaceModel(t, dir, run) {
    const settingsFile = path.join(t.env.ws, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ 'semanticFlow.model': dir }, null, 2));
    try {
      return await run();
    } finally {
      fs.writeFileSync(settingsFile, '{}\n');
    }
  }

  /** Runs a command until `done(status)`, at most 10 times; returns that status. */
  async function runUntil(t, id, done, what) {
    let s = null;
    for (let i = 0; i < 10; i++) {
      s = await runAndWait(t, id);
      if (done(s)) return s;
    }
    throw new Error(`${what}: last status ${JSON.stringify(s)}`);
  }

  check(
    'product: Dialogue draws both directions across turns, the turn table and the transcript coloured by iota',
    async (t) => {
      const { vsc } = t;
      // the weightless copying model with a chat template (test/fixtures/models/README.md): the assistant's echo receives nearly all its bits
      const model = path.join(t.env.repo, 'test', 'fixtures', 'models', 'tiny-copy-chat');
      const transcript = fs.readFileSync(path.join(t.env.ws, 'dialogue.md'), 'utf8');
      const ref = cli(t, ['dialogue', '--model', model, '--format', 'json', 0], { 'dialogue.md': transcript });
      await withWorkspaceModel(t, model, async () => {
        await openInFirstGroup(vsc, 'dialogue.md', 'What did the miller do?');
        const s = await runUntil(
          t,
          ID.dialogue,
          (x) => x.ok && x.result && x.result.hasDialogue,
          'Dialogue never ran on the chat model',
        );
        assert(
          Math.abs(s.result.totalBits - ref.summary.totalBits) < 1e-3,
          `total bits ${s.result.totalBits} vs CLI ${ref.summary.totalBits}`,
        );
      });
      const wv = await panel(vsc);
      await wv.locator('#section-dialogue').waitFor({ state: 'visible', timeout: TIMEOUTS.command });
      let rows = {};
      await waitFor(
        async () => {
          rows = await summaryOf(wv);
          return !!rows['I(X → Y) user → assistant'];
        },
        { message: 'dialogue summary rows' },
      ).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(rows)}`);
      });
      const d = ref.dialogue;
      // (its first tokens are not the user's: "the" opens the turn without the space it has after "me:")
      assert(
        d.turns[1].iotaBits > 0.75 * d.turns[1].baselineBits,
        `the echo should receive most of its bits: ${JSON.stringify(d.turns[1])}`,
      );
      assert(
        rows['I(X → Y) user → assistant'] === `${d.userToAssistant.totalBits.toFixed(3)} bits`,
        `panel I(X→Y) ${rows['I(X → Y) user → assistant']}; CLI ${d.userToAssistant.totalBits}`,
      );
      assert(
        rows['I(0Y → X) assistant → user'] === `${d.assistantToUser.totalBits.toFixed(3)} bits`,
        `panel I(0Y→X) ${rows['I(0Y → X) assistant → user']}; CLI ${d.assistantToUser.totalBits}`,
      );
      const chart = await waitCanvasDrawn(wv, '#chart-dialogue');
      assert(chart.width > 50 && chart.height > 50, `chart box ${JSON.stringify(chart)}`);
      const turns = await wv
        .locator('#dialogue-turns-body tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert(turns.length === d.turns.length, `${turns.length} turn rows, CLI ${d.turns.length} turns`);
      d.turns.forEach((turn, k) =>
        assert(
          turns[k][1] === turn.role &&
            turns[k][7] === (turn.role === 'system' ? '—' : `${turn.cumulativeBits.toFixed(3)} bits`),
          `turn ${k + 1}: ${JSON.stringify(turns[k])} vs CLI ${JSON.stringify(turn)}`,
        ),
      );
      const lines = await wv.locator('#dialogue-lines').innerText();
      assert(
        /Conservation: î\(X;Y\) = -?\d+\.\d{6} bits, sum of the two = -?\d+\.\d{6} bits, gap -?\d\.\d\de[-+]\d+ bits \(exact\)/.test(
          lines,
        ),
        `conservation line: ${lines}`,
      );
      // the transcript strip: one span per templated token, each title naming its turn
      const strip = wv.locator('#dialogue-strip > span');
      assert(
        (await strip.count()) === ref.tokens.length,
        `strip has ${await strip.count()} tokens, CLI ${ref.tokens.length}`,
      );
      const second = d.turns[1];
      const title = await strip.nth(second.tokenStart).getAttribute('title');
      assert(
        title.includes(`turn 2 (assistant)`) && /iota -?\d+\.\d{3} bits from the user/.test(title),
        `title of the first assistant token: ${title}`,
      );
      await wv.locator('#section-dialogue').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await vsc.screenshot('product-dialogue');
    },
  );

  check(
    'product: Quantisation Rate–Distortion draws one point per variant and selects a worst token in the editor',
    async (t) => {
      const { vsc } = t;
      const model = path.join(t.env.repo, 'test', 'fixtures', 'models', 'tiny-gpt2-dtypes');
      const text = fileLine(t, 'prompt.md', 1);
      const ref = cli(t, ['rate-distortion', '--model', model, '--format', 'json', 0], { 'para.txt': text });
      await withWorkspaceModel(t, model, async () => {
        await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
        await selectWholeLine(vsc, 1, text.length);
        const s = await runUntil(
          t,
          ID.rateDistortion,
          (x) => x.ok && x.result && x.result.rateDistortionPoints === ref.rateDistortion.points.length,
          'Rate–distortion never ran on the every-dtype model',
        );
        assert(s.result.tokens === ref.tokens.length, `${s.result.tokens} tokens, CLI ${ref.tokens.length}`);
      });
      const wv = await panel(vsc);
      await wv.locator('#section-rd').waitFor({ state: 'visible', timeout: TIMEOUTS.command });
      await waitCanvasDrawn(wv, '#chart-rd', 20);
      const rows = await wv
        .locator('#rd-points-body tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      const points = ref.rateDistortion.points;
      assert(rows.length === points.length, `${rows.length} rows, CLI ${points.length} variants`);
      points.forEach((p, k) => {
        const kl = `${p.meanKlBits.toFixed(4)} [${p.klInterval[0].toFixed(4)}, ${p.klInterval[1].toFixed(4)}]`;
        assert(
          rows[k][0] === p.variant && rows[k][3] === p.bitsPerWeight.toFixed(3) && rows[k][4] === kl,
          `row ${k}: ${JSON.stringify(rows[k])}; CLI ${p.variant} ${p.bitsPerWeight} ${kl}`,
        );
      });
      // the list shows the most distorted variant's worst tokens; the first one selects its token in the editor
      const worst = points.reduce((a, b) => (b.meanKlBits > a.meanKlBits ? b : a));
      assert(
        (await wv.locator('#rd-variant').inputValue()) === worst.variant,
        'the list is not for the most distorted variant',
      );
      const first = worst.worst[0];
      const button = wv.locator('#rd-worst .worst-token').first();
      assert(
        (await button.locator('.tok').textContent()) === first.token.replace(/\n/g, '↵\n'),
        "the first worst token is not the CLI's",
      );
      await button.click();
      await waitFor(async () => (await wv.locator('#token-detail-body').innerText()).includes(`#${first.index} `), {
        timeout: TIMEOUTS.command,
        message: 'token detail of the chosen worst token',
      });
      await wv.locator('#section-rd').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await vsc.screenshot('product-rate-distortion');
      // the panel keeps the focus; back in the editor, its status bar shows the selection the click made
      await focusFirstGroup(vsc);
      await waitFor(
        async () => {
          const c = await vsc.cursor();
          return c && c.line === 1 && c.selected === first.end - first.start;
        },
        {
          timeout: TIMEOUTS.command,
          message: `editor selection of the worst token ${JSON.stringify(first.token)} (${first.end - first.start} characters)`,
        },
      );
    },
  );

  check('product: Clear Decorations removes them', async (t) => {
    const { vsc } = t;
    await openInFirstGroup(vsc, 'hostile.txt', HOSTILE2);
    if (!painted(await vsc.decorations()).length) {
      const text = fs.readFileSync(path.join(t.env.ws, 'hostile.txt'), 'utf8').replace(/\r?\n$/, '');
      await selectWholeLine(vsc, 1, text.length);
      assert((await runAndWait(t, ID.analyzeSelection)).ok, 'analysis before clearing failed');
      await vsc.waitForDecorations((d) => painted(d).length > 0);
    }
    const s = await runAndWait(t, ID.clearDecorations, { timeout: TIMEOUTS.command });
    assert(
      s.ok && s.decorations.total === 0 && s.result === null,
      `after Clear Decorations: ${JSON.stringify({ ok: s.ok, decorations: s.decorations, result: s.result })}`,
    );
    await vsc.waitForDecorations((d) => painted(d).length === 0);
    // leave the UI clean
    await vsc.runCommand('View: Close All Editors');
  });
};
