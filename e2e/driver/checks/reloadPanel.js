// @ts-check
/**
 * The panel after a window reload (issue 16, item 1): VS Code revives the open panel through the extension's
 * serializer, and that revived panel must be the one every later command uses. Analyze Selection and Show
 * Panel then leave exactly one Semantic Flow tab, and a token clicked in the revived panel is selected in
 * the editor (the click reaches the extension's editor selection, checked in the status bar).
 */
'use strict';
const { ID, fileLine, focusFirstGroup, openInFirstGroup, runAndWait, selectWholeLine } = require('../productSteps');

module.exports = ({ check, assert, vscode: { waitFor, TIMEOUTS } }) => {
  const panelTabs = (vsc) => vsc.page.locator('.tabs-container .tab', { hasText: 'Semantic Flow' }).count();

  /** Analyzes line 5 of prompt.md (the response) and returns its text. */
  async function analyzeResponse(t) {
    await openInFirstGroup(t.vsc, 'prompt.md', 'capital of France');
    const line = fileLine(t, 'prompt.md', 5);
    await selectWholeLine(t.vsc, 5, line.length);
    const s = await runAndWait(t, ID.analyzeSelection);
    assert(s.ok, `Analyze Selection failed: ${JSON.stringify(s.errors.slice(-2))}`);
    await t.vsc.goTo(5, 1); // collapse the selection, so that a token selection is told apart from it
    return line;
  }

  /** Reloads the window and waits for the new workbench (a marker set on the old page is gone). */
  async function reloadWindow(vsc) {
    await vsc.page.evaluate(() => {
      /** @type {any} */ (window).__e2eBeforeReload = true;
    });
    await vsc.runCommand('Developer: Reload Window');
    await waitFor(
      async () => !(await vsc.page.evaluate(() => !!(/** @type {any} */ (window).__e2eBeforeReload)).catch(() => true)),
      { timeout: TIMEOUTS.workbench, message: 'the window to reload' },
    );
    await vsc.waitForWorkbench({ explorerFile: 'prompt.md' });
  }

  /** Set once the reload check has reloaded the window with the panel open. */
  const S = { reloaded: false };

  // Two checks, each with its own time limit: the reload and the first analysis after it (a new extension
  // host starts the worker and loads the model again) are the slowest steps of the suite on a busy machine.
  check('panel: a window reload revives the open panel', async (t) => {
    const { vsc } = t;
    await vsc.waitForWorkbench({ explorerFile: 'prompt.md' });
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    assert((await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command })).ok, 'Show Panel failed');
    await (await vsc.webview()).locator('#app').waitFor({ state: 'attached', timeout: TIMEOUTS.command });
    assert((await panelTabs(vsc)) === 1, `${await panelTabs(vsc)} Semantic Flow tabs before the reload`);
    await reloadWindow(vsc);
    await waitFor(async () => (await panelTabs(vsc)) === 1, {
      timeout: TIMEOUTS.command,
      message: 'the panel restored after the reload',
    });
    S.reloaded = true;
  });

  check(
    'panel: after the reload, Analyze Selection and Show Panel keep one panel, and its token clicks select in the editor',
    async (t) => {
      const { vsc } = t;
      if (!S.reloaded) t.skip('runs after "panel: a window reload revives the open panel"');
      const line = await analyzeResponse(t);
      // The revived panel (the only one) shows the fresh result: no stale banner, ' Paris' in its token strip.
      const wv = await vsc.webview();
      const paris = wv.locator('#token-strip [data-index]', { hasText: /Paris/ });
      await waitFor(async () => (await wv.locator('#stale-banner').isHidden()) && (await paris.count()) === 1, {
        timeout: TIMEOUTS.command,
        message: "the revived panel to show the new result with the token ' Paris'",
      });
      const problems = []; // both faults of a second panel owner are reported together
      await paris.click();
      await focusFirstGroup(vsc);
      const want = { line: 5, col: line.indexOf(' Paris') + ' Paris'.length + 1, selected: ' Paris'.length };
      await waitFor(
        async () => {
          const c = await vsc.cursor();
          return c && c.line === want.line && c.col === want.col && c.selected === want.selected;
        },
        {
          timeout: TIMEOUTS.ui,
          message: `the click on ' Paris' in the revived panel to select ${JSON.stringify(want)} in the editor`,
        },
      ).catch(async (e) => problems.push(`${e.message}; cursor ${JSON.stringify(await vsc.cursor())}`));

      assert(
        (await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command })).ok,
        'Show Panel after the reload failed',
      );
      await (await vsc.webview()).locator('#content').waitFor({ state: 'visible', timeout: TIMEOUTS.command });
      const tabs = await panelTabs(vsc);
      if (tabs !== 1) problems.push(`${tabs} Semantic Flow tabs after Show Panel: the revived panel was not reused`);
      assert(problems.length === 0, problems.join('\n'));
      await vsc.screenshot('panel-after-reload');
      await vsc.runCommand('View: Close All Editors');
    },
  );
};
