// @ts-check
/**
 * The "Get Started with Semantic Flow" walkthrough in code-server: each step's button does what it says, and
 * the step completes only when that really happened (a result, directed information, a model other than the
 * built-in one, live mode's setting, the device setting), through its completionEvents. A screenshot of each
 * step; the model, live-mode and status bar pictures of the listing are taken here too (media.js).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { ID, readStatus, runAndWait, focusFirstGroup, cli } = require('../productSteps');
const { mediaShot } = require('../media');
const { closeAllEditors, userSetting, workspaceSettings } = require('../sampleSteps');

const WALKTHROUGH = 'Get Started with Semantic Flow';
const CLOSED_PORT_PROXY = 'http://127.0.0.1:9'; // nothing listens on port 9: a download fails at once, online or not

module.exports = ({ check, assert, vscode: { waitFor, waitForJsonFile, TIMEOUTS } }) => {
  const stepSel = (id) => `button.getting-started-step[data-step-id$="#gettingStarted#${id}"]`;
  const isDone = async (vsc, id) =>
    (await vsc.page.locator(`[data-done-step-id$="#gettingStarted#${id}"]`).getAttribute('aria-checked')) === 'true';
  const waitDone = (vsc, id, why) =>
    waitFor(() => isDone(vsc, id), { timeout: TIMEOUTS.command, message: `step ${id} completed by ${why}` });

  /** Expands step `id` and clicks its button `label`. */
  async function clickButton(vsc, id, label) {
    const step = vsc.page.locator(stepSel(id));
    if ((await step.getAttribute('aria-expanded')) !== 'true') await step.locator('.step-title').click();
    await waitFor(async () => (await step.getAttribute('aria-expanded')) === 'true', {
      timeout: TIMEOUTS.ui,
      message: `step ${id} expanded`,
    });
    const button = step.locator('.button-container .monaco-button', { hasText: label }).first();
    // a button wider than its step makes the click scroll the step sideways, cutting off its checkbox
    const [b, s] = [await button.boundingBox(), await step.boundingBox()];
    assert(
      !!b && !!s && b.x >= s.x && b.x + b.width <= s.x + s.width,
      `step ${id}: the button "${label}" does not fit in its step (${JSON.stringify({ b, s })})`,
    );
    await button.click();
  }

  /** Runs `fn` (which makes the extension run command `commandId`) and waits for the status file to say so. */
  async function andWait(t, commandId, fn, timeout) {
    const before = (readStatus(t.env.statusFile) || { seq: 0 }).seq;
    await fn();
    return waitForJsonFile(
      t.env.statusFile,
      (s) => s.seq > before && s.lastCommand === commandId,
      timeout ? { timeout } : {},
    );
  }

  async function showWalkthrough(vsc) {
    await vsc.runCommand('Welcome: Open Walkthrough...');
    await vsc.page.locator('.quick-input-list .monaco-list-row', { hasText: WALKTHROUGH }).first().click();
    await vsc.page.locator(stepSel('analyze')).waitFor({ state: 'visible', timeout: TIMEOUTS.command });
  }

  check(
    "walkthrough: each step's button does its part and the step completes only when that happened (a screenshot per step)",
    async (t) => {
      const { vsc, env } = t;
      assert(!!env.runDir, 'E2E_RUN_DIR is not set (run through e2e/run.sh)');
      await closeAllEditors(vsc);
      await vsc.clearNotifications();
      // Earlier checks made results: start from none, with every step unchecked, so each completion below is this check's.
      await runAndWait(t, 'semanticFlow.clearDecorations', { timeout: TIMEOUTS.command });
      await showWalkthrough(vsc);
      const ids = ['analyze', 'panel', 'directedInformation', 'chooseModel', 'liveMode', 'device'];
      for (const id of ids) {
        if (await isDone(vsc, id)) await vsc.page.locator(`[data-done-step-id$="#gettingStarted#${id}"]`).click();
        await waitFor(async () => !(await isDone(vsc, id)), { timeout: TIMEOUTS.ui, message: `step ${id} unchecked` });
      }
      await vsc.screenshot('walkthrough-start');

      // 1. Analyze the Sample: the sample opens beside the walkthrough, coloured
      const a = await andWait(t, 'semanticFlow.analyzeSample', () => clickButton(vsc, 'analyze', 'Analyze the Sample'));
      assert(
        a.ok && a.result && a.result.uri.startsWith('untitled:') && a.result.tokens > 20,
        `Analyze the Sample: ${JSON.stringify({ ok: a.ok, result: a.result, errors: a.errors.slice(-2) })}`,
      );
      await vsc.waitForDecorations((d) => d.length > 10);
      await waitDone(vsc, 'analyze', 'a result (onContext:semanticFlow.hasResult)');
      await vsc.screenshot('walkthrough-1-analyze');

      // 2. Show Panel
      await andWait(t, ID.showPanel, () => clickButton(vsc, 'panel', 'Show Panel'));
      const wv = await vsc.webview();
      await wv.locator('#content').waitFor({ state: 'visible', timeout: TIMEOUTS.command });
      await waitDone(vsc, 'panel', 'Show Panel (onCommand)');
      await vsc.screenshot('walkthrough-2-panel');

      // 3. Directed information on the sample (the walkthrough has focus: the command finds the sample on screen)
      assert(
        !(await isDone(vsc, 'directedInformation')),
        'the directed-information step completed before any directed information',
      );
      const di = await andWait(t, ID.directedInformation, () =>
        clickButton(vsc, 'directedInformation', 'Directed Information'),
      );
      assert(
        di.ok && di.result && di.result.hasDi,
        `Directed Information from the walkthrough: ${JSON.stringify({ ok: di.ok, result: di.result, errors: di.errors.slice(-2) })}`,
      );
      await waitDone(vsc, 'directedInformation', 'a directed-information result (onContext)');
      await vsc.screenshot('walkthrough-3-directed-information');

      // 4. A real model. "Download …" runs Select Model with the catalog id; with a proxy that refuses, the download
      // fails (as offline) and the step stays open: a click is not a completion.
      userSetting(t, 'http.proxy', CLOSED_PORT_PROXY);
      try {
        await vsc.clearNotifications();
        const d = await andWait(
          t,
          'semanticFlow.selectModel',
          () => clickButton(vsc, 'chooseModel', 'Download SmolLM2 135M Instruct'),
          TIMEOUTS.command * 2,
        );
        assert(!d.ok, `the download through a closed proxy reported success: ${JSON.stringify(d)}`);
        await vsc.waitForNotification('SmolLM2-135M-Instruct');
        assert(!(await isDone(vsc, 'chooseModel')), 'the model step completed although no model was chosen');
      } finally {
        userSetting(t, 'http.proxy', undefined);
        await vsc.clearNotifications();
      }
      // Select Model lists the suggested model with its size and licence (the listing's picture)
      await clickButton(vsc, 'chooseModel', 'Select Model');
      const row = vsc.page.locator('.quick-input-list .monaco-list-row', { hasText: 'SmolLM2 135M Instruct' }).first();
      await row.waitFor({ state: 'visible', timeout: TIMEOUTS.command });
      const rowText = await row.innerText();
      // the size and precision the catalog gives a download of it (the CLI reads the same catalog)
      const facts = cli(t, ['models', '--format', 'json'], {}).models.find(
        (m) => m.id === 'HuggingFaceTB/SmolLM2-135M-Instruct',
      );
      const mb = Math.round(facts.approxDownloadBytes[facts.defaultDtype] / 1e6);
      const want = `HuggingFaceTB/SmolLM2-135M-Instruct · download about ${mb} MB, ${facts.defaultDtype}`;
      assert(
        rowText.includes(want) && rowText.includes(`${facts.licence} licence`),
        `Select Model row: ${rowText}; expected ${want}`,
      );
      const qi = await vsc.page.locator('.quick-input-widget').boundingBox();
      assert(!!qi, 'the quick pick is not on screen');
      await mediaShot(vsc, 'select-model', {
        clip: { x: Math.max(0, qi.x - 24), y: 0, width: qi.width + 48, height: qi.y + qi.height + 24 },
      });
      await vsc.escape();
      // choosing a model folder in the settings completes the step (onContext:semanticFlow.externalModel)
      workspaceSettings(t, { 'semanticFlow.model': path.join(env.ws, 'my-model') });
      try {
        await waitDone(vsc, 'chooseModel', 'a model other than the built-in one');
      } finally {
        workspaceSettings(t, {});
      }
      await vsc.screenshot('walkthrough-4-choose-model');

      // 5. Live mode: the button flips the setting; an edit of the sample is scored again
      await andWait(t, 'semanticFlow.toggleLiveMode', () => clickButton(vsc, 'liveMode', 'Toggle Live Mode'));
      await waitDone(vsc, 'liveMode', 'the liveMode setting changing');
      await vsc.screenshot('walkthrough-5-live-mode');

      // 6. The device: the button opens the setting; changing it completes the step
      await clickButton(vsc, 'device', 'Choose the Device');
      await vsc.page
        .locator('.settings-editor .setting-item-contents', { hasText: 'semanticFlow.device' })
        .first()
        .or(vsc.page.locator('.settings-editor .setting-item-title', { hasText: /Device/ }).first())
        .waitFor({ state: 'visible', timeout: TIMEOUTS.command });
      await vsc.screenshot('walkthrough-6-device-setting');
      const other =
        t.pkg.contributes.configuration.properties['semanticFlow.device'].default === 'cpu' ? 'auto' : 'cpu';
      workspaceSettings(t, { 'semanticFlow.device': other });
      try {
        await waitDone(vsc, 'device', 'the device setting changing');
      } finally {
        workspaceSettings(t, {});
      }
      // VS Code 1.139 shows Settings as a modal editor: Escape closes it
      const settings = vsc.page.locator('.settings-editor').filter({ visible: true });
      await waitFor(
        async () => {
          if (!(await settings.count())) return true;
          await vsc.page.keyboard.press('Escape');
          return false;
        },
        { timeout: TIMEOUTS.ui, interval: 500, message: 'the Settings editor closed' },
      );
      for (const id of ids) assert(await isDone(vsc, id), `step ${id} is not checked at the end`);
      await vsc.screenshot('walkthrough-all-done');
    },
  );

  check('walkthrough: pictures of live mode and of the status bar tooltip', async (t) => {
    const { vsc } = t;
    // live mode is on (previous check): edit the sample's response and wait for the re-score
    const cfg = JSON.parse(fs.readFileSync(path.join(t.env.runDir, 'udd', 'User', 'settings.json'), 'utf8'));
    if (cfg['semanticFlow.liveMode'] !== true)
      await runAndWait(t, 'semanticFlow.toggleLiveMode', { timeout: TIMEOUTS.command });
    try {
      await focusFirstGroup(vsc);
      await closeAllEditors(vsc);
      const a = await runAndWait(t, 'semanticFlow.analyzeSample');
      assert(a.ok, `Analyze Sample: ${JSON.stringify(a.errors.slice(-2))}`);
      await vsc.waitForDecorations((d) => d.length > 10);
      const before = (readStatus(t.env.statusFile) || { seq: 0 }).seq;
      // inside the analysed response (line 5), before its final full stop
      await vsc.goTo(5, 1);
      await vsc.page.keyboard.press('End');
      await vsc.page.keyboard.press('ArrowLeft');
      await vsc.page.keyboard.type(' and solar cells');
      await waitForJsonFile(t.env.statusFile, (s) => s.seq > before && s.lastCommand === 'liveMode.rescore', {
        timeout: TIMEOUTS.command * 2,
      });
      await vsc.waitForDecorations((d) => d.some((x) => x.text.includes('solar')));
      const item = await vsc.statusBarLocator('semanticFlow.status');
      assert((await item.locator('.codicon-zap').count()) === 1, 'the status bar item shows no live-mode icon');
      await mediaShot(vsc, 'live-mode');
    } finally {
      await runAndWait(t, 'semanticFlow.toggleLiveMode', { timeout: TIMEOUTS.command });
    }
    // the status bar names the model and the device it runs on; its tooltip explains
    const item = await vsc.statusBarLocator('semanticFlow.status');
    const text = (await item.innerText()).trim();
    assert(/semantic-flow-mini · (cpu|webgpu|cuda|dml|coreml)/.test(text), `status bar: ${text}`);
    await item.hover();
    const tip = vsc.page
      .locator('.monaco-hover, .workbench-hover', { hasText: 'Select Model' })
      .filter({ visible: true })
      .first();
    await tip.waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
    assert(
      /semantic\S*flow\S*mini\S* on (cpu|webgpu|cuda|dml|coreml)/.test(await tip.innerText()),
      `tooltip: ${await tip.innerText()}`,
    );
    // the tooltip and the status bar under it (the mouse stays on the item, or the tooltip goes)
    const tb = await tip.boundingBox();
    assert(!!tb, 'the tooltip is not on screen');
    const vp = vsc.page.viewportSize();
    const x = Math.max(0, Math.floor(tb.x - 320));
    const y = Math.max(0, Math.floor(tb.y - 60));
    await mediaShot(vsc, 'status-bar', { keepMouse: true, clip: { x, y, width: vp.width - x, height: vp.height - y } });
    await vsc.hideHover();
    await closeAllEditors(vsc);
  });
};
