// @ts-check
/**
 * The first analysis with the built-in model (runs before the other product checks: file order): one
 * unobtrusive notification says it is a tiny offline model and offers the suggested download, the status
 * bar tooltip says the same, and "Don't Show Again" holds after a window reload (globalState).
 */
'use strict';
const { ID, runAndWait, fileLine, selectWholeLine, openInFirstGroup } = require('../productSteps');

const NOTICE = 'tiny built-in model';
const FACTS =
  /Download SmolLM2 135M Instruct|SmolLM2 135M Instruct \(\d+M parameters, about \d+ MB to download, [\w.-]+ licence\)/;

module.exports = ({ check, assert, vscode: { waitFor, TIMEOUTS } }) => {
  /** Analyzes line 5 of prompt.md (the response) with the built-in model. */
  async function analyzeResponse(t) {
    await openInFirstGroup(t.vsc, 'prompt.md', 'capital of France');
    const line = fileLine(t, 'prompt.md', 5);
    await selectWholeLine(t.vsc, 5, line.length);
    const s = await runAndWait(t, ID.analyzeSelection);
    assert(
      s.ok && s.model && s.model.id === 'semantic-flow-mini',
      `analysis with the built-in model: ${JSON.stringify({ ok: s.ok, model: s.model, errors: s.errors.slice(-2) })}`,
    );
  }

  /**
   * No notice came: the extension sends its messages in order, so once a later message ("Select some text
   * first", from an empty selection) is on screen, a notice from the analysis before it would be too.
   */
  async function assertNoNotice(t) {
    await t.vsc.goTo(2, 1);
    await runAndWait(t, ID.analyzeSelection);
    await t.vsc.waitForNotification('Select some text first');
    const texts = await t.vsc.notifications();
    assert(!texts.some((x) => x.includes(NOTICE)), `the notice came again: ${JSON.stringify(texts)}`);
    await t.vsc.clearNotifications();
  }

  check(
    "first run: the built-in model's first analysis says it is tiny and offers the suggested download, once",
    async (t) => {
      const { vsc } = t;
      await vsc.clearNotifications();
      await analyzeResponse(t);
      const toast = await vsc.waitForNotification(NOTICE);
      const text = await toast.innerText();
      assert(FACTS.test(text) && /offline/.test(text), `notice: ${text}`);
      const buttons = await toast.locator('.monaco-button').allInnerTexts();
      assert(
        buttons.map((b) => b.trim()).join('|') === "Download SmolLM2 135M Instruct|Don't Show Again",
        `buttons: ${JSON.stringify(buttons)}`,
      );
      await vsc.screenshot('first-run-notice');
      await vsc.clickNotificationButton(NOTICE, "Don't Show Again");
      // the status bar tooltip keeps naming the download while the built-in model is the one chosen
      const item = await vsc.statusBarLocator('semanticFlow.status');
      await item.hover();
      const tip = vsc.page
        .locator('.monaco-hover, .workbench-hover', { hasText: 'Download SmolLM2 135M Instruct' })
        .filter({ visible: true })
        .first();
      await tip.waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
      assert(/tiny built-in model/.test(await tip.innerText()), `tooltip: ${await tip.innerText()}`);
      await vsc.screenshot('first-run-tooltip');
      await vsc.hideHover();
      await analyzeResponse(t);
      await assertNoNotice(t);
    },
  );

  check('first run: "Don\'t Show Again" holds after a window reload', async (t) => {
    const { vsc } = t;
    const reloaded = vsc.page.waitForEvent('load', { timeout: TIMEOUTS.workbench });
    await vsc.runCommand('Developer: Reload Window');
    await reloaded;
    await vsc.waitForWorkbench({ explorerFile: 'prompt.md' });
    await waitFor(async () => vsc.hasCommand('Semantic Flow: Analyze Selection'), {
      timeout: TIMEOUTS.command,
      message: 'the palette after the reload',
    });
    await analyzeResponse(t);
    await assertNoNotice(t);
  });
};
