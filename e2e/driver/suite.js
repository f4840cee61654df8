// @ts-check
/**
 * End-to-end suite, run by e2e/run.sh (which starts code-server and sets the E2E_* env vars).
 *
 * To add a check, call  check('name', async (t) => { ... })  below, or put it in a file
 * e2e/driver/checks/<name>.js (see CHECKS_DIR below).
 *   t.vsc   the VSCode driver (./vscode.js): openFile, runCommand, decorations, hover, webview, ...
 *   t.env   { url, ws, shots, runDir, repo, statusFile, selftest, selftestStatus }
 *   t.pkg   the root package.json of the extension under test
 *   t.skip(reason)  ends the check as SKIP (not counted as passed or failed)
 * A check fails when it throws. It gets a screenshot named FAIL-<name> and the suite goes on.
 * Checks run in order and share one browser, so each should leave the UI as it found it (t.vsc.escape()).
 * Output: 'PASS name' / 'FAIL name: why' / 'SKIP name: why' per check, then the line 'N passed, N failed'.
 * Exit code 1 if any check failed or none passed.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { VSCode, waitForJsonFile, TIMEOUTS } = require('./vscode');

const env = {
  url: must('E2E_URL'), // http://127.0.0.1:PORT/?folder=/tmp/.../ws
  ws: must('E2E_WS'), // the workspace folder (a copy of e2e/fixtures/ws)
  shots: process.env.E2E_SHOTS || path.join(__dirname, '..', 'shots'),
  runDir: process.env.E2E_RUN_DIR || '',
  repo: process.env.E2E_REPO || path.join(__dirname, '..', '..'),
  statusFile: process.env.SEMANTIC_FLOW_E2E_STATUS || '', // the product extension may write its state here
  selftest: process.env.E2E_SELFTEST !== '0', // the e2e.selftest extension is installed
  selftestStatus: process.env.E2E_SELFTEST_STATUS || '',
  only: process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null, // run only checks whose name matches
};
const pkg = JSON.parse(fs.readFileSync(path.join(env.repo, 'package.json'), 'utf8'));
const CHECK_TIMEOUT = Number(process.env.E2E_CHECK_TIMEOUT_MS || 120000);
let passed = 0;
let failed = 0;
let skipped = 0;

/** @param {string} name */
function must(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set: run this through e2e/run.sh`);
    process.exit(2);
  }
  return v;
}

class Skip extends Error {}

/**
 * @typedef {{ vsc: InstanceType<typeof VSCode>, env: typeof env, pkg: any, skip: (reason: string) => never }} T
 * @typedef {{ name: string, fn: (t: T) => Promise<void>, when?: () => boolean }} Check
 */
/** @type {Check[]} */
const CHECKS = [];
/**
 * Registers a check.
 * @param {string} name
 * @param {(t: T) => Promise<void>} fn
 * @param {{ when?: () => boolean }} [opts] when: run only if it returns true (else SKIP)
 */
/** opts: `when` (run only if it returns true), `timeout` (ms, instead of CHECK_TIMEOUT). */
function check(name, fn, opts = {}) {
  CHECKS.push({ name, fn, ...opts });
}

/** @param {boolean} cond @param {string} msg */
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---------------------------------------------------------------------------------------------
// Smoke checks: they work with any extension under test.
// ---------------------------------------------------------------------------------------------

check('workbench loads', async ({ vsc }) => {
  await vsc.waitForWorkbench({ explorerFile: 'prompt.md' });
  await vsc.screenshot('workbench');
});

check('extension under test is installed', async ({ vsc, pkg }) => {
  const label = pkg.displayName || pkg.name;
  await vsc.runCommand('Extensions: Show Installed Extensions');
  const row = vsc.page.locator('.extensions-viewlet .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: TIMEOUTS.command });
  await vsc.screenshot('extensions');
  await vsc.runCommand('View: Show Explorer');
});

check('fixture file opens', async ({ vsc }) => {
  await vsc.openFile('prompt.md', { waitForText: 'capital of France' });
  const text = await vsc.editorText();
  assert(text.includes('\n---\n'), `prompt/response separator not shown; editor text:\n${text}`);
  await vsc.screenshot('prompt-md');
});

check('select a range by line/column', async ({ vsc }) => {
  await vsc.openFile('sample.py', { waitForText: 'def fibonacci' });
  // line 1 "def fibonacci(n):" → select "fibonacci" (cols 5..14, end exclusive) = 9 chars
  let c = await vsc.selectRange(1, 5, 1, 14);
  assert(c.line === 1 && c.col === 14 && c.selected === 9, `single-line selection: ${JSON.stringify(c)}`);
  // from line 3 col 5 to line 5 col 9 (multi-line)
  c = await vsc.selectRange(3, 5, 5, 9);
  assert(c.line === 5 && c.col === 9 && c.selected > 0, `multi-line selection: ${JSON.stringify(c)}`);
  // an end column past the line end is clamped: line 9 "print(fibonacci(10))" has 20 characters
  c = await vsc.selectRange(9, 1, 9, 99);
  assert(c.col === 21 && c.selected === 20, `clamped selection: ${JSON.stringify(c)}`);
  assert((await vsc.lineText(1)) === 'def fibonacci(n):', 'lineText(1)');
  await vsc.escape();
});

check('palette lists a contributed command', async ({ vsc, pkg, skip }) => {
  const cmds = (pkg.contributes && pkg.contributes.commands) || [];
  if (!cmds.length) skip('the root package.json contributes no commands yet');
  const c = cmds[0];
  const title = c.category ? `${c.category}: ${c.title}` : c.title;
  assert(await vsc.hasCommand(title), `palette does not list "${title}" (${c.command})`);
});

check('hostile text renders as text', async ({ vsc }) => {
  await vsc.openFile('hostile.txt', { waitForText: '<script>alert(2)</script>' });
  assert(vsc.dialogs.length === 0, `a dialog opened: ${vsc.dialogs.join('; ')}`);
  const imgs = await vsc.page.locator('.monaco-editor .view-lines img').count();
  assert(imgs === 0, 'an <img> element was created in the editor');
});

// ---------------------------------------------------------------------------------------------
// Driver self-test: uses the e2e.selftest extension (e2e/fixtures/selftest-ext) to check the
// library's decoration / hover / notification / status bar / webview / theme helpers.
// Disable with E2E_SELFTEST=0.
// ---------------------------------------------------------------------------------------------
const selftest = { when: () => env.selftest };

check(
  'selftest: env vars reach the extension host',
  async ({ env }) => {
    const s = await waitForJsonFile(env.selftestStatus, (j) => j.activated, { timeout: TIMEOUTS.command * 2 });
    assert(s.mark === process.env.E2E_SELFTEST_MARK, `mark ${s.mark} != ${process.env.E2E_SELFTEST_MARK}`);
    assert(/^v\d+/.test(s.node), `node version ${s.node}`);
  },
  selftest,
);

check(
  'selftest: palette lists commands',
  async ({ vsc }) => {
    assert(await vsc.hasCommand('E2E Selftest: Notify'), 'hasCommand(E2E Selftest: Notify) is false');
    assert(!(await vsc.hasCommand('E2E Selftest: No Such Command')), 'hasCommand of a missing command is true');
  },
  selftest,
);

check(
  'selftest: decorations (colour and covered text)',
  async ({ vsc }) => {
    await vsc.openFile('selftest-words.txt', { waitForText: 'banana' });
    await vsc.runCommand('E2E Selftest: Decorate Word');
    const decos = await vsc.waitForDecorations((d) => d.some((x) => x.background === 'rgba(255, 0, 0, 0.5)'));
    const bg = decos.find((x) => x.background === 'rgba(255, 0, 0, 0.5)');
    assert(!!bg && bg.text === 'banana' && bg.line === 1, `background decoration: ${JSON.stringify(bg)}`);
    assert(
      decos.some((x) => x.after.includes('<- e2e')),
      `no after-text decoration: ${JSON.stringify(decos)}`,
    );
    assert(
      decos.some((x) => x.color === 'rgb(0, 0, 255)' && x.text === 'banana'),
      'no inline colour decoration',
    );
    await vsc.screenshot('selftest-decorations');
  },
  selftest,
);

check(
  'selftest: hover',
  async ({ vsc }) => {
    await vsc.openFile('selftest-words.txt', { waitForText: 'cherry' });
    const text = await vsc.hover('cherry', { contains: 'E2E hover' });
    assert(text.includes('E2E hover: cherry'), `hover text: ${text}`);
    await vsc.screenshot('selftest-hover');
    await vsc.hideHover();
  },
  selftest,
);

check(
  'selftest: notification button and status bar',
  async ({ vsc }) => {
    await vsc.runCommand('E2E Selftest: Notify');
    const toast = await vsc.waitForNotification('E2E selftest notification');
    const texts = await vsc.notifications();
    assert(
      texts.some((t) => t.includes('<b>not bold</b>')),
      `toast texts: ${JSON.stringify(texts)}`,
    );
    assert((await toast.locator('b').count()) === 0, 'toast rendered HTML');
    await vsc.clickNotificationButton('E2E selftest notification', 'Yes');
    const s = await vsc.statusBarItem('e2e.selftest.status');
    assert(s.includes('e2e clicked Yes'), `status bar: ${s}`);
    assert((await vsc.statusBarItem('e2e clicked')) === s, 'status bar item by text');
  },
  selftest,
);

check(
  'selftest: webview',
  async ({ vsc }) => {
    await vsc.runCommand('E2E Selftest: Open Webview');
    const wv = await vsc.webview({ title: 'E2E Selftest Webview' });
    const g = wv.locator('#greeting');
    await g.waitFor({ timeout: TIMEOUTS.command });
    assert((await g.innerText()) === 'Hello from the e2e webview', 'greeting');
    await wv.locator('#btn').click();
    await vsc.waitForNotification('E2E webview button clicked');
    await vsc.screenshot('selftest-webview');
    await vsc.runCommand('View: Close All Editors');
    await vsc.clearNotifications();
  },
  selftest,
);

check(
  'selftest: colour theme switch',
  async ({ vsc }) => {
    const before = await vsc.themeKind();
    const light = await vsc.setColorTheme('Light Modern');
    assert(light === 'vs', `theme kind after Light Modern: ${light}`);
    await vsc.screenshot('selftest-light-theme');
    const dark = await vsc.setColorTheme('Dark Modern');
    assert(dark === 'vs-dark', `theme kind after Dark Modern: ${dark} (was ${before})`);
  },
  selftest,
);

// Product checks can also live in e2e/driver/checks/*.js, loaded here in name order. Each exports
//   module.exports = ({ check, assert, Skip, vscode }) => { check('name', async (t) => { ... }); };
const CHECKS_DIR = path.join(__dirname, 'checks');
if (fs.existsSync(CHECKS_DIR)) {
  for (const f of fs
    .readdirSync(CHECKS_DIR)
    .filter((n) => n.endsWith('.js'))
    .sort()) {
    require(path.join(CHECKS_DIR, f))({ check, assert, Skip, vscode: require('./vscode') });
  }
}

check('screenshot saved', async ({ vsc }) => {
  const file = await vsc.screenshot('final');
  assert(fs.statSync(file).size > 10000, `${file} is too small`);
});

// ---------------------------------------------------------------------------------------------
async function main() {
  const t0 = Date.now();
  fs.mkdirSync(env.shots, { recursive: true });
  /** @type {InstanceType<typeof VSCode> | null} */
  let vsc = null;
  // The run.sh time limit (E2E_TIMEOUT) or Ctrl+C: report what ran, count the stop as a failure.
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      console.log(`FAIL suite: stopped by ${sig}${sig === 'SIGTERM' ? ' (time limit E2E_TIMEOUT?)' : ''}`);
      if (skipped) console.log(`${skipped} skipped`);
      console.log(`${passed} passed, ${failed + 1} failed`);
      process.exit(1); // run.sh kills the browser with this process group
    });
  }
  try {
    vsc = await VSCode.launch({ url: env.url, shotsDir: env.shots });
  } catch (e) {
    console.log(`FAIL launch browser: ${e.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const t = {
    vsc,
    env,
    pkg,
    skip: (reason) => {
      throw new Skip(reason);
    },
  };
  for (const c of CHECKS) {
    if (env.only && !env.only.test(c.name)) continue;
    if (c.when && !c.when()) {
      skipped++;
      console.log(`SKIP ${c.name}: disabled`);
      continue;
    }
    const s = Date.now();
    let timer;
    try {
      await Promise.race([
        c.fn(t),
        new Promise((_, rej) => {
          timer = setTimeout(
            () => rej(new Error(`check timed out after ${c.timeout || CHECK_TIMEOUT} ms`)),
            c.timeout || CHECK_TIMEOUT,
          );
        }),
      ]);
      passed++;
      console.log(`PASS ${c.name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
    } catch (e) {
      if (e instanceof Skip) {
        skipped++;
        console.log(`SKIP ${c.name}: ${e.message}`);
        continue;
      }
      failed++;
      console.log(`FAIL ${c.name}: ${((e && e.message) || String(e)).split('\n').slice(0, 6).join('\n     ')}`);
      await vsc.screenshot(`FAIL-${c.name}`).catch(() => {});
      await vsc.escape().catch(() => {});
    } finally {
      clearTimeout(timer);
    }
  }
  if (failed && vsc.pageErrors.length) {
    console.log(
      `--- last page errors:\n${vsc.pageErrors
        .slice(-10)
        .map((e) => `  ${e.slice(0, 300)}`)
        .join('\n')}`,
    );
  }
  await vsc.close();
  if (skipped) console.log(`${skipped} skipped`);
  const total = process.env.E2E_T0
    ? `, e2e total ${((Date.now() - Number(process.env.E2E_T0)) / 1000).toFixed(1)} s`
    : '';
  console.log(`suite ${((Date.now() - t0) / 1000).toFixed(1)} s${total}; screenshots in ${env.shots}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || !passed ? 1 : 0);
}

if (require.main === module) main();
module.exports = { check, CHECKS, assert, Skip };
