// @ts-check
/**
 * Pictures of the real UI for the README, the Marketplace listing and the walkthrough. The checks take them
 * on every run (into the shots folder); only E2E_MEDIA=1 (npm run e2e:media) copies them into the
 * repository's media/screenshots/, so an ordinary run never changes the tree.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { waitFor, TIMEOUTS } = require('./vscode');

const MEDIA_DIR = process.env.E2E_MEDIA_DIR || path.join(__dirname, '..', '..', 'media', 'screenshots');

/**
 * Takes a screenshot `name` of the window (or of `clip`) and, under E2E_MEDIA=1, stores it as
 * media/screenshots/<name>.png. Returns the shot's path.
 * @param {any} vsc the driver
 * @param {string} name
 * @param {{ clip?: { x: number, y: number, width: number, height: number }, keepMouse?: boolean }} [opts]
 *   keepMouse: leave the mouse where it is (a hover shown on purpose); otherwise it moves out of the way
 */
async function mediaShot(vsc, name, { clip, keepMouse = false } = {}) {
  if (!keepMouse) await vsc.page.mouse.move(400, 892); // the status bar's empty middle: no tab or text hover
  if (!keepMouse) {
    // a toolbar's tooltip can stay from a layout change under the mouse: wait until none is on screen
    const tooltip = vsc.page.locator('.workbench-hover').filter({ visible: true });
    await waitFor(async () => (await tooltip.count()) === 0, {
      timeout: TIMEOUTS.ui,
      message: `no tooltip over the picture ${name}`,
    });
  }
  const file = await vsc.screenshot(`media-${name}`);
  if (clip) await vsc.page.screenshot({ path: file, clip });
  if (process.env.E2E_MEDIA === '1') {
    fs.mkdirSync(MEDIA_DIR, { recursive: true });
    fs.copyFileSync(file, path.join(MEDIA_DIR, `${name}.png`));
  }
  return file;
}

module.exports = { mediaShot, MEDIA_DIR };
