// @ts-check
/**
 * Steps the Semantic Flow checks (driver/checks/*.js) share: command titles, running a command and waiting
 * for the extension's status file (SEMANTIC_FLOW_E2E_STATUS, written after each command; shape in
 * src/extension/e2eStatus.ts), the CLI as the reference, and selecting and opening workspace text.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { waitFor, waitForJsonFile, TIMEOUTS } = require('./vscode');

const ID = {
  analyzeSelection: 'semanticFlow.analyzeSelection',
  directedInformation: 'semanticFlow.directedInformation',
  flowMatrix: 'semanticFlow.flowMatrix',
  showPanel: 'semanticFlow.showPanel',
  exportResult: 'semanticFlow.exportResult',
  clearDecorations: 'semanticFlow.clearDecorations',
  dialogue: 'semanticFlow.dialogue',
  rateDistortion: 'semanticFlow.rateDistortion',
};
/** Titles from the contract, used only if package.json does not contribute the command. */
const FALLBACK_TITLE = {
  [ID.analyzeSelection]: 'Semantic Flow: Analyze Selection',
  [ID.directedInformation]: 'Semantic Flow: Directed Information: Prompt → Response',
  [ID.flowMatrix]: 'Semantic Flow: Token Flow Matrix',
  [ID.showPanel]: 'Semantic Flow: Show Panel',
  [ID.exportResult]: 'Semantic Flow: Export Result',
  [ID.clearDecorations]: 'Semantic Flow: Clear Decorations',
  [ID.dialogue]: 'Semantic Flow: Dialogue: Directed Information Both Ways',
  [ID.rateDistortion]: 'Semantic Flow: Quantisation Rate–Distortion',
};
const ANALYZE_TIMEOUT = 90000 * Number(process.env.E2E_TIMEOUT_SCALE || 1); // first call starts the worker and loads the model

/** @param {boolean} cond @param {string} msg */
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** The palette title of a contributed command ("Category: Title"). */
function titleOf(pkg, id) {
  const c = ((pkg.contributes && pkg.contributes.commands) || []).find((x) => x.command === id);
  if (!c) return FALLBACK_TITLE[id];
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

/** The status file now, or null. */
function readStatus(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Runs a command from the palette and waits until the extension has written its status for it
 * (a new seq with lastCommand = the id). Returns that status.
 * `during` runs after the palette accepted the command and before the status wait (e.g. to answer a dialog).
 */
async function runAndWait(t, id, { timeout = ANALYZE_TIMEOUT, during = undefined } = {}) {
  const file = t.env.statusFile;
  assert(!!file, 'SEMANTIC_FLOW_E2E_STATUS is not set (run through e2e/run.sh)');
  const before = (readStatus(file) || { seq: 0 }).seq;
  await t.vsc.runCommand(titleOf(t.pkg, id));
  if (during) await during();
  return waitForJsonFile(file, (s) => s.seq > before && s.lastCommand === id, { timeout });
}

/** Reference result from the CLI for exactly `text` (written to a file in the run dir). */
function cli(t, args, files) {
  const dir = t.env.runDir || fs.mkdtempSync('/tmp/e2e-cli-');
  const paths = Object.entries(files).map(([name, text]) => {
    const p = path.join(dir, `cli-${process.pid}-${name}`);
    fs.writeFileSync(p, text);
    return p;
  });
  const argv = args.map((a) => (typeof a === 'number' ? paths[a] : a));
  const out = execFileSync(process.execPath, [path.join(t.env.repo, 'dist', 'cli.js'), ...argv], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: 120000,
  });
  return JSON.parse(out);
}

/** Line `n` (1-based) of a workspace file, as on disk (without its line break). */
function fileLine(t, name, n) {
  return fs.readFileSync(path.join(t.env.ws, name), 'utf8').split(/\r?\n/)[n - 1];
}

/**
 * Selects all of line `n` (without its line break) in the active editor. Markdown wraps long lines by
 * default, so Shift+Down/End would move by screen rows: expand the selection to the whole line (Ctrl+L,
 * which ends on the next line), then step back over the line break. Checked in the status bar.
 */
async function selectWholeLine(vsc, n, length) {
  await vsc.goTo(n, 1);
  await vsc.page.keyboard.press('Control+L');
  await waitFor(
    async () => {
      const c = await vsc.cursor();
      return c && c.line === n + 1 && c.col === 1;
    },
    { timeout: TIMEOUTS.ui, message: `line ${n} expanded to the next line's start` },
  );
  await vsc.page.keyboard.press('Shift+ArrowLeft');
  return waitFor(
    async () => {
      const c = await vsc.cursor();
      return c && c.line === n && c.col === length + 1 && c.selected === length ? c : null;
    },
    { timeout: TIMEOUTS.ui, message: `line ${n} selected (${length} characters)` },
  );
}

/** Puts keyboard focus in the first editor group (the panel opens beside it, in the second). */
async function focusFirstGroup(vsc) {
  await vsc.runCommand('View: Focus First Editor Group');
}

/** Opens a workspace file in the first editor group. */
async function openInFirstGroup(vsc, name, waitForText) {
  await focusFirstGroup(vsc);
  await vsc.openFile(name, { waitForText });
}

module.exports = {
  ID,
  ANALYZE_TIMEOUT,
  titleOf,
  readStatus,
  runAndWait,
  cli,
  fileLine,
  selectWholeLine,
  focusFirstGroup,
  openInFirstGroup,
};
