// @ts-check
/**
 * Settings and keys in the real workbench: Ctrl+Alt+A runs Analyze Selection and no VS Code default
 * keybinding uses it; Open Settings lists every setting of the extension; settings.json offers the model
 * setting's values (builtin, remote, the catalog ids) as completions; the Settings editor shows it as free text.
 */
'use strict';
const { ID, readStatus, fileLine, selectWholeLine, openInFirstGroup } = require('../productSteps');
const { closeAllEditors, workspaceSettings } = require('../sampleSteps');

module.exports = ({ check, assert, vscode: { waitFor, waitForJsonFile, TIMEOUTS } }) => {
  check('settings: Ctrl+Alt+A analyses the selection, and no default keybinding of VS Code uses it', async (t) => {
    const { vsc, pkg } = t;
    const key = pkg.contributes.keybindings.find((k) => k.command === ID.analyzeSelection).key;
    // every keybinding the workbench knows (defaults and extensions'), from its read-only JSON view
    await vsc.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await vsc.runCommand('Preferences: Open Default Keyboard Shortcuts (JSON)');
    await vsc.waitForEditorText('"key"');
    await vsc.page.keyboard.press('Control+A');
    await vsc.page.keyboard.press('Control+C');
    const text = await waitFor(
      async () => {
        const c = await vsc.page.evaluate(() => navigator.clipboard.readText());
        return c.length > 10000 ? c : null;
      },
      { timeout: TIMEOUTS.ui, message: 'the default keybindings on the clipboard' },
    );
    const bound = [...text.matchAll(/"key":\s*"([^"]+)",\s*"command":\s*"([^"]+)"/g)]
      .filter((m) => m[1] === key)
      .map((m) => m[2]);
    assert(bound.length === 1 && bound[0] === ID.analyzeSelection, `${key} is bound to: ${JSON.stringify(bound)}`);
    await closeAllEditors(vsc);
    // the key analyses a selection
    await openInFirstGroup(vsc, 'prompt.md', 'capital of France');
    const line = fileLine(t, 'prompt.md', 5);
    await selectWholeLine(vsc, 5, line.length);
    const before = (readStatus(t.env.statusFile) || { seq: 0 }).seq;
    await vsc.page.keyboard.press(
      key
        .split('+')
        .map((k) => (k === 'ctrl' ? 'Control' : k === 'alt' ? 'Alt' : k === 'shift' ? 'Shift' : k.toUpperCase()))
        .join('+'),
    );
    const s = await waitForJsonFile(t.env.statusFile, (x) => x.seq > before && x.lastCommand === ID.analyzeSelection, {
      timeout: TIMEOUTS.command * 3,
    });
    assert(
      s.ok && s.result && s.result.tokens > 3,
      `${key}: ${JSON.stringify({ ok: s.ok, result: s.result, errors: s.errors.slice(-2) })}`,
    );
    await vsc.goTo(1, 1);
  });

  check(
    'settings: Open Settings lists every setting; settings.json completes the model with the catalog ids',
    async (t) => {
      const { vsc, pkg } = t;
      const props = Object.values(pkg.contributes.configuration.properties);
      // code-server is a remote window: settings scoped to the machine show under Remote, the others under User
      const machine = props.filter((p) => /^machine/.test(p.scope || '')).length;
      await vsc.runCommand('Semantic Flow: Open Settings');
      const found = vsc.page.locator('.settings-editor .settings-count-widget').filter({ visible: true }).first();
      const expectCount = async (n, tab) =>
        waitFor(async () => (await found.count()) && (await found.innerText()).trim() === `${n} Settings Found`, {
          timeout: TIMEOUTS.command,
          message: `"${n} Settings Found" under ${tab}`,
        }).catch(async (e) => {
          throw new Error(`${e.message}: ${await found.innerText().catch(() => '?')}`);
        });
      await expectCount(props.length - machine, 'User');
      await vsc.page
        .locator('.settings-editor .settings-tabs-widget .action-label', { hasText: /^Remote/ })
        .first()
        .click();
      await expectCount(props.length, 'Remote');
      // the model setting is free text in the Settings editor (a folder or any Hub id is valid)
      const model = vsc.page.locator('.settings-editor .setting-item', { hasText: 'Semantic Flow: Model' }).first();
      await model.waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
      assert(
        (await model.locator('input').count()) === 1 && (await model.locator('select').count()) === 0,
        'the model setting is not a text box',
      );
      await vsc.screenshot('settings-editor');
      await waitFor(
        async () => {
          if (!(await vsc.page.locator('.settings-editor').filter({ visible: true }).count())) return true;
          await vsc.page.keyboard.press('Escape');
          return false;
        },
        { timeout: TIMEOUTS.ui, interval: 500, message: 'the Settings editor closed' },
      );

      // settings.json (the workspace's: User settings.json opens as a modal editor in 1.139, and in a remote
      // window a machine-scoped setting belongs to the Remote one): the value completions of semanticFlow.model
      workspaceSettings(t, { 'semanticFlow.topK': 5 });
      await vsc.openFile('.vscode/settings.json', { waitForText: 'semanticFlow.topK' });
      await vsc.goTo(1, 2);
      await vsc.page.keyboard.press('Enter');
      await vsc.page.keyboard.type('"semanticFlow.model": ');
      await vsc.page.keyboard.press('Control+Space');
      const rows = vsc.page.locator('.suggest-widget .monaco-list-row');
      await rows.first().waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
      const labels = await waitFor(
        async () => {
          const l = (await rows.allInnerTexts()).map((x) => x.split('\n')[0].trim());
          return l.some((x) => x.includes('SmolLM2-135M-Instruct')) ? l : null;
        },
        { timeout: TIMEOUTS.ui, message: 'catalog ids among the completions' },
      );
      for (const want of ['"builtin"', '"HuggingFaceTB/SmolLM2-135M-Instruct"', '"remote"']) {
        assert(
          labels.some((l) => l.startsWith(want)),
          `completions ${JSON.stringify(labels)} lack ${want}`,
        );
      }
      await vsc.screenshot('settings-json-model-completion');
      await vsc.page.keyboard.press('Escape');
      await vsc.runCommand('File: Revert File');
      await closeAllEditors(vsc);
      workspaceSettings(t, {});
    },
  );
};
