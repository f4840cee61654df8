// @ts-check
/**
 * The README's pictures (media.js: E2E_MEDIA=1 stores them in media/screenshots): the sample analysed with a
 * hover, the panel, directed information and the flow heatmap, each taken from the real UI once the
 * command's result is checked. The side bar is closed meanwhile, so the editor and the panel fill the window.
 */
'use strict';
const { ID, runAndWait, focusFirstGroup } = require('../productSteps');
const { mediaShot } = require('../media');
const { closeAllEditors, panelSection, workspaceSettings } = require('../sampleSteps');

module.exports = ({ check, assert, vscode: { waitFor, TIMEOUTS } }) => {
  check('listing: pictures of the sample: decorations with a hover, and the panel', async (t) => {
    const { vsc } = t;
    await vsc.clearNotifications();
    await closeAllEditors(vsc);
    await vsc.runCommand('View: Close Primary Side Bar');
    try {
      const a = await runAndWait(t, 'semanticFlow.analyzeSample');
      assert(
        a.ok && a.result && a.result.tokens > 20,
        `Analyze Sample: ${JSON.stringify({ ok: a.ok, result: a.result, errors: a.errors.slice(-2) })}`,
      );
      await vsc.waitForDecorations((d) => d.length > 20);
      await vsc.goTo(1, 1);
      const hover = await vsc.hover('Berlin', { nth: 1, contains: 'surprisal' });
      assert(/bits/.test(hover) && /probability/i.test(hover), `hover: ${hover}`);
      // the editor's top, down to the hover's bottom
      const box = await vsc.page.locator('.monaco-hover').filter({ visible: true }).first().boundingBox();
      const ed = await vsc.page.locator('.editor-group-container.active').boundingBox();
      assert(!!box && !!ed, 'hover or editor not on screen');
      await mediaShot(vsc, 'hover', {
        keepMouse: true,
        clip: { x: ed.x, y: 0, width: Math.min(ed.width, 1400 - ed.x), height: Math.ceil(box.y + box.height + 16) },
      });
      await vsc.hideHover();

      const p = await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command });
      assert(p.ok, 'Show Panel failed');
      await panelSection(vsc, '#chart-surprisal', '#chart-surprisal');
      await mediaShot(vsc, 'panel');
    } finally {
      await vsc
        .runCommand('View: Open Primary Side Bar')
        .catch(() => vsc.runCommand('View: Toggle Primary Side Bar Visibility'));
    }
  });

  check('listing: pictures of the sample: directed information and the flow heatmap', async (t) => {
    const { vsc } = t;
    await vsc.clearNotifications();
    await vsc.runCommand('View: Close Primary Side Bar');
    try {
      const a = await runAndWait(t, 'semanticFlow.analyzeSample');
      assert(a.ok, `Analyze Sample: ${JSON.stringify(a.errors.slice(-2))}`);

      // directed information, with the editor coloured by it
      workspaceSettings(t, { 'semanticFlow.decoration.metric': 'directedInformation' });
      try {
        await focusFirstGroup(vsc);
        const di = await runAndWait(t, ID.directedInformation);
        assert(
          di.ok && di.result && di.result.hasDi,
          `Directed Information: ${JSON.stringify({ ok: di.ok, result: di.result, errors: di.errors.slice(-2) })}`,
        );
        // the setting reaches the extension on its own schedule: ask for its state until the decorations follow it
        await waitFor(
          async () =>
            (await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command })).decorations.metric ===
            'directedInformation',
          { timeout: TIMEOUTS.command, message: 'decorations by directed information' },
        );
        const wv = await panelSection(vsc, '#section-di', '#chart-di');
        await wv.locator('#section-di').scrollIntoViewIfNeeded();
        await mediaShot(vsc, 'directed-information');
      } finally {
        workspaceSettings(t, {});
      }

      // the flow heatmap between the words of the question and the response (lines 3 to 5)
      await focusFirstGroup(vsc);
      await vsc.goTo(3, 1);
      await vsc.page.keyboard.press('Control+Shift+End');
      const f = await runAndWait(t, ID.flowMatrix, {
        timeout: TIMEOUTS.command * 4,
        during: async () => {
          const row = vsc.page
            .locator('.quick-input-widget .quick-input-list .monaco-list-row')
            .filter({
              has: vsc.page.locator('.label-name, .monaco-highlighted-label', { hasText: /^word$/ }),
            })
            .first();
          await row.waitFor({ state: 'visible', timeout: TIMEOUTS.command });
          await row.click();
        },
      });
      assert(
        f.ok && f.result && f.result.hasFlow,
        `Token Flow Matrix: ${JSON.stringify({ ok: f.ok, result: f.result, errors: f.errors.slice(-2) })}`,
      );
      await vsc.goTo(1, 1);
      await runAndWait(t, ID.showPanel, { timeout: TIMEOUTS.command });
      const wv = await panelSection(vsc, '#section-flow', '#flow-heatmap');
      await wv.locator('#section-flow').scrollIntoViewIfNeeded();
      await mediaShot(vsc, 'flow');
    } finally {
      await vsc
        .runCommand('View: Open Primary Side Bar')
        .catch(() => vsc.runCommand('View: Toggle Primary Side Bar Visibility'));
      await closeAllEditors(vsc);
    }
  });
};
