// @ts-check
/**
 * Steps the walkthrough and listing checks share: closing editors without saving the untitled sample,
 * writing workspace and user settings files, and waiting for a drawn panel section.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { waitFor, TIMEOUTS } = require('./vscode');

/** Closes every editor; the untitled sample (Analyze Sample) is discarded, not saved. */
async function closeAllEditors(vsc) {
  await vsc.runCommand('View: Close All Editors');
  const dontSave = vsc.page.locator('.monaco-dialog-box .monaco-button', { hasText: "Don't Save" }).first();
  await waitFor(
    async () => {
      if (await dontSave.isVisible()) await dontSave.click();
      return (await vsc.page.locator('.editor-group-container .tab').count()) === 0;
    },
    { timeout: TIMEOUTS.ui, message: 'every editor closed' },
  );
}

/** Replaces the workspace's .vscode/settings.json with `obj`. */
function workspaceSettings(t, obj) {
  const file = path.join(t.env.ws, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(obj, null, 2)}\n`);
}

/** Sets (with undefined: removes) one user setting in code-server's settings.json. */
function userSetting(t, key, value) {
  const file = path.join(t.env.runDir, 'udd', 'User', 'settings.json');
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (value === undefined) delete s[key];
  else s[key] = value;
  fs.writeFileSync(file, `${JSON.stringify(s, null, 2)}\n`);
}

/** The panel's frame once `section` is visible and its canvas `canvas` has a size. */
async function panelSection(vsc, section, canvas) {
  const wv = await vsc.webview();
  await wv.locator(section).waitFor({ state: 'visible', timeout: TIMEOUTS.command });
  await waitFor(
    async () =>
      wv.locator(canvas).evaluate((c) => {
        const el = /** @type {HTMLCanvasElement} */ (c);
        return el.width > 0 && el.height > 0;
      }),
    { timeout: TIMEOUTS.command, message: `${canvas} drawn` },
  );
  return wv;
}

module.exports = { closeAllEditors, workspaceSettings, userSetting, panelSection };
