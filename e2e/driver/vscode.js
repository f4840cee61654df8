// @ts-check
/**
 * A small driver for a real VS Code (code-server in headless Debian Chromium) over playwright-core.
 *
 * Every wait has an explicit condition and a timeout; nothing sleeps a fixed time.
 * Lines and columns are 1-based, like VS Code's status bar ("Ln 3, Col 5").
 *
 * Typical use (see suite.js):
 *   const { VSCode } = require('./vscode');
 *   const vsc = await VSCode.launch({ url, shotsDir });
 *   await vsc.waitForWorkbench({ explorerFile: 'prompt.md' });
 *   await vsc.openFile('prompt.md', { waitForText: 'capital' });
 *   await vsc.runCommand('Semantic Flow: Analyze');
 *   await vsc.close();
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

/** playwright-core is installed in e2e/harness, not at the repo root. */
const { chromium } = require(require.resolve('playwright-core', { paths: [path.join(__dirname, '..', 'harness')] }));

/** Default timeouts (ms). E2E_TIMEOUT_SCALE=2 doubles them all on a slow machine. */
const SCALE = Number(process.env.E2E_TIMEOUT_SCALE || 1);
const T = {
  workbench: 90000 * SCALE, // first load on 2 busy cores can take 10-20 s
  ui: 15000 * SCALE, // a UI reaction (quick input, editor, toast)
  command: 30000 * SCALE, // a command's visible effect
};

/** Chromium flags that work headless, offline, as root, without a GPU. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const Q = {
  workbench: '.monaco-workbench',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickRow: '.quick-input-widget .quick-input-list .monaco-list-row',
  editor: '.editor-instance .monaco-editor',
  activeEditor: '.editor-group-container.active .editor-instance .monaco-editor',
  toast: '.notifications-toasts .notification-toast',
  hover: '.monaco-hover',
  deco: '[class*="TextEditorDecorationType"]',
  statusItem: '#workbench\\.parts\\.statusbar .statusbar-item',
};

/** Console errors that every offline code-server run prints; not collected in pageErrors. */
const NOISE = /Failed to load resource|ENOTFOUND|ERR_NAME_NOT_RESOLVED|vsda|authentication provider|open-vsx/;

/**
 * Polls `fn` until it returns a truthy value, and returns that value.
 * Use it for conditions outside the page (a status file, a log line).
 * @template T
 * @param {() => T | Promise<T>} fn
 * @param {{ timeout?: number, interval?: number, message?: string }} [opts]
 * @returns {Promise<T>}
 */
async function waitFor(fn, { timeout = T.command, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${lastErr ? `: ${lastErr.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Waits until `file` exists, parses as JSON and passes `pred`; returns the parsed object.
 * Handy with a status file the extension writes (path given by an env var, e.g. SEMANTIC_FLOW_E2E_STATUS).
 * @param {string} file
 * @param {(json: any) => boolean} [pred]
 * @param {{ timeout?: number }} [opts]
 */
async function waitForJsonFile(file, pred = () => true, { timeout = T.command } = {}) {
  return waitFor(
    () => {
      if (!fs.existsSync(file)) return null;
      const j = JSON.parse(fs.readFileSync(file, 'utf8'));
      return pred(j) ? j : null;
    },
    { timeout, message: `${file} to satisfy the condition` },
  );
}

/** @param {string | RegExp} m @param {string} s */
const matches = (m, s) => (typeof m === 'string' ? s.includes(m) : m.test(s));

class VSCode {
  /**
   * @param {import('../harness/node_modules/playwright-core').BrowserContext} context
   * @param {import('../harness/node_modules/playwright-core').Page} page
   * @param {{ url: string, shotsDir: string, profileDir: string }} opts
   */
  constructor(context, page, opts) {
    this.context = context;
    /** The Playwright page of the workbench: use it directly for anything this class lacks. */
    this.page = page;
    this.url = opts.url;
    this.shotsDir = opts.shotsDir;
    this.profileDir = opts.profileDir;
    this.shotCount = 0;
    /** Uncaught page errors and console errors, for diagnostics. @type {string[]} */
    this.pageErrors = [];
    /** Browser dialogs (alert/confirm/prompt) that appeared; they are dismissed. @type {string[]} */
    this.dialogs = [];
    page.on('pageerror', (e) => this.pageErrors.push(String(e && e.message)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !NOISE.test(m.text())) this.pageErrors.push(m.text());
    });
    page.on('dialog', (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
  }

  /**
   * Launches headless Chromium with a throw-away profile and opens the workbench URL.
   * Does not wait for the workbench: call waitForWorkbench().
   * @param {{ url: string, shotsDir?: string, viewport?: {width:number,height:number},
   *           executablePath?: string, headless?: boolean }} opts
   * @returns {Promise<VSCode>}
   */
  static async launch({
    url,
    shotsDir = path.join(__dirname, '..', 'shots'),
    viewport = { width: 1400, height: 900 },
    executablePath = process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    headless = true,
  }) {
    fs.mkdirSync(shotsDir, { recursive: true });
    // inside run.sh's run dir when there is one, so that its cleanup removes the profile in any case
    const profileDir = fs.mkdtempSync(path.join(process.env.E2E_RUN_DIR || os.tmpdir(), 'e2e-chromium-'));
    // Playwright refuses --user-data-dir in args; launchPersistentContext is how to give a profile dir.
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      headless,
      viewport,
      args: CHROMIUM_ARGS,
      // the caller decides what a signal means (suite.js reports and exits; run.sh kills the group)
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const page = context.pages()[0] || (await context.newPage());
    const vsc = new VSCode(context, page, { url, shotsDir, profileDir });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: T.workbench });
    return vsc;
  }

  /**
   * Waits until the workbench is rendered and connected to the server (the explorer lists a file).
   * @param {{ explorerFile?: string, timeout?: number }} [opts] explorerFile: a file at the workspace root
   */
  async waitForWorkbench({ explorerFile, timeout = T.workbench } = {}) {
    await this.page.locator(Q.workbench).waitFor({ timeout });
    if (explorerFile) {
      await this.page
        .locator('.explorer-folders-view .monaco-list-row', { hasText: explorerFile })
        .first()
        .waitFor({ timeout });
    }
    await this.page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout });
  }

  /** Closes the quick input, hovers and toasts' focus: the next keyboard action starts clean. */
  async escape() {
    await this.page.mouse.move(2, 2);
    const qi = this.page.locator(Q.quickInput);
    for (let i = 0; i < 3 && (await qi.isVisible()); i++) await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Escape');
  }

  /** Closes the quick input if it is open; unlike escape(), leaves the editor (and its selection) alone. */
  async closeQuickInput() {
    const qi = this.page.locator(Q.quickInput);
    for (let i = 0; i < 3 && (await qi.isVisible()); i++) await this.page.keyboard.press('Escape');
    await qi.waitFor({ state: 'hidden', timeout: T.ui });
  }

  /**
   * Opens the quick input (Ctrl+P, or F1 when `text` starts with '>'), types `text` and waits until
   * a row matches `rowText`. Returns the row locator (not yet accepted).
   * @param {string} text what to type, with its prefix ('' files, '>' commands, ':' go to line)
   * @param {string | RegExp} [rowText] a row to wait for; default: any row
   * @param {{ timeout?: number }} [opts]
   */
  async quickInput(text, rowText, { timeout = T.ui } = {}) {
    // Only close an open quick input: a bare Escape in the editor would cancel its selection
    // (VS Code's cancelSelection), and commands such as "Analyze Selection" act on that selection.
    await this.closeQuickInput();
    const box = this.page.locator(Q.quickInputBox);
    const rows =
      rowText === undefined ? this.page.locator(Q.quickRow) : this.page.locator(Q.quickRow, { hasText: rowText });
    const row = rows.first();
    // The quick input closes when focus moves (e.g. a webview panel that a just-finished command revealed
    // takes focus a moment later), and right after the workbench loads the palette can miss the typed
    // filter and list nothing: in either case close it and start again (at most 3 tries).
    for (let attempt = 1; ; attempt++) {
      try {
        await this.page.keyboard.press(text.startsWith('>') ? 'F1' : 'Control+P');
        await box.waitFor({ state: 'visible', timeout });
        await box.fill(text, { timeout: Math.min(timeout, 3000 * SCALE) });
        await row.waitFor({ state: 'visible', timeout: attempt < 3 ? Math.min(timeout, 5000 * SCALE) : timeout });
        return row;
      } catch (e) {
        if (attempt >= 3) throw e;
        await this.closeQuickInput();
      }
    }
  }

  /**
   * Lists the labels of the rows the quick input shows now (for example after quickInput('>Semantic')).
   * Only rendered rows are listed (the list is virtual).
   * @returns {Promise<string[]>}
   */
  async quickInputRows() {
    return this.page.locator(Q.quickRow).evaluateAll((els) =>
      els.map((e) => {
        const label = e.querySelector(
          '.monaco-icon-label .label-name, .quick-input-list-label .monaco-highlighted-label',
        );
        return (label ? label.textContent : e.getAttribute('aria-label') || e.textContent || '').trim();
      }),
    );
  }

  /**
   * Opens a workspace file by Quick Open and waits for its editor.
   * @param {string} name file name or relative path, as typed in Quick Open
   * @param {{ waitForText?: string, timeout?: number }} [opts] waitForText: text visible in the editor once open
   */
  async openFile(name, { waitForText, timeout = T.ui } = {}) {
    const base = path.basename(name);
    await this.quickInput(name, base, { timeout });
    // Quick Open shows history first: wait until the highlighted (first) row is our file.
    const first = this.page.locator(Q.quickRow).first();
    await waitFor(async () => (await first.innerText()).includes(base), { timeout, message: `Quick Open row ${base}` });
    await this.page.keyboard.press('Enter');
    await this.page
      .locator('.editor-group-container.active .tab.active', { hasText: base })
      .first()
      .waitFor({ timeout });
    if (waitForText) await this.waitForEditorText(waitForText, { timeout });
    await this.page.locator(Q.quickInput).waitFor({ state: 'hidden', timeout });
  }

  /**
   * Waits until the active editor shows `text` (in its rendered lines: only visible lines are rendered).
   * @param {string | RegExp} text
   * @param {{ timeout?: number }} [opts]
   */
  async waitForEditorText(text, { timeout = T.ui } = {}) {
    await waitFor(async () => matches(text, await this.editorText()), { timeout, message: `editor text ${text}` });
  }

  /**
   * The visible text of the active editor, lines in document order, joined by '\n'
   * (non-breaking spaces turned into spaces). Only rendered (visible) lines are included.
   * @returns {Promise<string>}
   */
  async editorText() {
    return this.page.evaluate((sel) => {
      const ed = document.querySelector(sel);
      if (!ed) return '';
      const lines = [...ed.querySelectorAll('.view-lines .view-line')]
        .map((l) => ({ top: parseFloat(/** @type {HTMLElement} */ (l).style.top) || 0, text: l.textContent || '' }))
        .sort((a, b) => a.top - b.top);
      return lines.map((l) => l.text.replace(/\u00a0/g, ' ')).join('\n');
    }, Q.activeEditor);
  }

  /**
   * Reads the cursor position from the status bar ("Ln 3, Col 5 (12 selected)").
   * @returns {Promise<{ line: number, col: number, selected: number } | null>}
   */
  async cursor() {
    const item = this.page.locator('[id="status.editor.selection"]');
    if (!(await item.count())) return null;
    const t = await item.first().innerText();
    const m = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(t);
    return m ? { line: +m[1], col: +m[2], selected: m[3] ? +m[3] : 0 } : null;
  }

  /**
   * Moves the cursor to line:col in the active editor (Quick Open ':line:col', i.e. Ctrl+G).
   * @param {number} line 1-based
   * @param {number} [col] 1-based
   */
  async goTo(line, col = 1) {
    await this.quickInput(`:${line}:${col}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator(Q.quickInput).waitFor({ state: 'hidden', timeout: T.ui });
    await waitFor(
      async () => {
        const c = await this.cursor();
        return c && c.line === line;
      },
      { timeout: T.ui, message: `cursor on line ${line}` },
    );
  }

  /**
   * The rendered text of one line of the active editor (1-based), or null if that line is not visible.
   * Matched through the line-number gutter, so line numbers must be on (the default).
   * @param {number} line
   * @returns {Promise<string | null>}
   */
  async lineText(line) {
    return this.page.evaluate(
      ({ edSel, line }) => {
        const ed = document.querySelector(edSel);
        if (!ed) return null;
        const ln = [...ed.querySelectorAll('.margin-view-overlays .line-numbers')].find(
          (l) => +(l.textContent || 0) === line,
        );
        if (!ln) return null;
        const r = ln.getBoundingClientRect();
        const cy = r.y + r.height / 2;
        const el = [...ed.querySelectorAll('.view-lines .view-line')].find((l) => {
          const b = l.getBoundingClientRect();
          return cy >= b.top && cy < b.bottom;
        });
        return el ? (el.textContent || '').replace(/\u00a0/g, ' ') : null;
      },
      { edSel: Q.activeEditor, line },
    );
  }

  /**
   * Selects from (startLine, startCol) to (endLine, endCol) in the active editor, end exclusive,
   * like a vscode.Range (1-based). Uses go to line:col, then Shift+Down and Shift+Left/Right, and
   * checks the result in the status bar. An endCol past the end of its line is clamped to it.
   * Columns are the status bar's (a tab counts as its visual width).
   * @returns {Promise<{ line: number, col: number, selected: number }>} the final cursor
   */
  async selectRange(startLine, startCol, endLine, endCol) {
    await this.goTo(startLine, startCol);
    const kb = this.page.keyboard;
    for (let i = startLine; i < endLine; i++) await kb.press('Shift+ArrowDown');
    const c0 = await waitFor(
      async () => {
        const c = await this.cursor();
        return c && c.line === endLine ? c : null;
      },
      { timeout: T.ui, message: `cursor on line ${endLine}` },
    );
    const text = await this.lineText(endLine);
    const target = text === null ? endCol : Math.min(endCol, text.length + 1);
    const diff = target - c0.col;
    for (let i = 0; i < Math.abs(diff); i++) await kb.press(diff > 0 ? 'Shift+ArrowRight' : 'Shift+ArrowLeft');
    return waitFor(
      async () => {
        const c = await this.cursor();
        return c && c.line === endLine && c.col === target ? c : null;
      },
      { timeout: T.ui, message: `cursor at ${endLine}:${target}` },
    );
  }

  /**
   * Runs a command from the palette (F1) by its title as shown there, e.g. 'Semantic Flow: Analyze'
   * (category + ': ' + title). Waits until a row with that exact label exists, then accepts it.
   * @param {string} title
   * @param {{ timeout?: number }} [opts]
   */
  async runCommand(title, { timeout = T.ui } = {}) {
    await this.quickInput(`>${title}`, title, { timeout });
    const exact = this.page
      .locator(Q.quickRow)
      .filter({
        has: this.page.locator('.label-name, .monaco-highlighted-label', {
          hasText: new RegExp(`^${escapeRe(title)}$`),
        }),
      })
      .first();
    await exact.waitFor({ state: 'visible', timeout });
    await exact.click();
    // Done when the palette closes, or when the command opened its own picker in it
    // (e.g. 'Preferences: Color Theme'): then the input no longer holds '>title'.
    const qi = this.page.locator(Q.quickInput);
    const box = this.page.locator(Q.quickInputBox);
    await waitFor(async () => !(await qi.isVisible()) || (await box.inputValue().catch(() => '')) !== `>${title}`, {
      timeout,
      message: `palette to accept "${title}"`,
    });
  }

  /**
   * Whether the palette lists a command with this exact title. Leaves the palette closed.
   * True as soon as a row with that label shows; false once the filtered list has stayed the same
   * for `settle` ms without it (the palette may add "similar commands" rows asynchronously).
   * @param {string} title
   * @param {{ timeout?: number, settle?: number }} [opts]
   */
  async hasCommand(title, { timeout = T.ui, settle = 1000 } = {}) {
    await this.escape();
    await this.page.keyboard.press('F1');
    const box = this.page.locator(Q.quickInputBox);
    await box.waitFor({ state: 'visible', timeout });
    await box.fill(`>${title}`);
    const badge = this.page.locator('.quick-input-widget .quick-input-visible-count');
    let sig = '';
    let since = Date.now();
    try {
      return (
        (await waitFor(
          async () => {
            const labels = await this.quickInputRows();
            if (labels.includes(title)) return 'yes';
            const now = `${await badge.innerText().catch(() => '')}|${labels.join('|')}`;
            if (now !== sig) {
              sig = now;
              since = Date.now();
              return null;
            }
            return /\d/.test(sig) && Date.now() - since >= settle ? 'no' : null;
          },
          { timeout, message: `palette list for "${title}"` },
        )) === 'yes'
      );
    } finally {
      await this.escape();
    }
  }

  /**
   * Texts of the notification toasts shown now (message only, without buttons/source).
   * @returns {Promise<string[]>}
   */
  async notifications() {
    return this.page.locator(`${Q.toast} .notification-list-item-message`).allInnerTexts();
  }

  /**
   * Waits for a toast whose text matches; returns its locator.
   * @param {string | RegExp} text
   * @param {{ timeout?: number }} [opts]
   */
  async waitForNotification(text, { timeout = T.command } = {}) {
    const toast = this.page.locator(Q.toast, { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return toast;
  }

  /**
   * Clicks a button (e.g. 'Yes') in the toast whose text matches.
   * @param {string | RegExp} text
   * @param {string} button the button's label
   * @param {{ timeout?: number }} [opts]
   */
  async clickNotificationButton(text, button, { timeout = T.command } = {}) {
    const toast = await this.waitForNotification(text, { timeout });
    await toast
      .locator('.monaco-button', { hasText: new RegExp(`^\\s*${escapeRe(button)}\\s*$`) })
      .first()
      .click();
    await toast.waitFor({ state: 'hidden', timeout });
  }

  /** Clears all notifications (palette: Notifications: Clear All Notifications). */
  async clearNotifications() {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page
      .locator(Q.toast)
      .first()
      .waitFor({ state: 'hidden', timeout: T.ui })
      .catch(() => {});
  }

  /**
   * Extension decorations in the active editor (class names containing TextEditorDecorationType),
   * in document order. `background` etc. are computed CSS values (e.g. 'rgba(255, 0, 0, 0.5)');
   * `layer` is 'overlay' (background layer) or 'inline' (a span in the text).
   * `text` is the editor text the decoration covers (read from the pixels it spans, since VS Code
   * renders backgrounds in an overlay layer and text colours inline); `after`/`before` are the
   * pseudo-element contents (contentText), '' if none. Only decorations on visible lines are found.
   * @returns {Promise<Array<{ className: string, text: string, background: string, color: string,
   *   border: string, fontStyle: string, fontWeight: string, textDecoration: string, before: string, after: string,
   *   layer: string, line: number, x: number, y: number, width: number, height: number }>>}
   */
  async decorations() {
    return this.page.evaluate(
      ({ edSel, decoSel }) => {
        const ed = document.querySelector(edSel);
        if (!ed) return [];
        const lines = [...ed.querySelectorAll('.view-lines .view-line')].map((l) => ({
          el: l,
          r: l.getBoundingClientRect(),
        }));
        const lineNums = [...ed.querySelectorAll('.margin-view-overlays .line-numbers')].map((l) => ({
          n: +(l.textContent || 0),
          r: l.getBoundingClientRect(),
        }));
        const textInBox = (box) => {
          const cy = box.y + box.height / 2;
          const line = lines.find((l) => cy >= l.r.top && cy < l.r.bottom);
          if (!line) return '';
          let out = '';
          const w = document.createTreeWalker(line.el, NodeFilter.SHOW_TEXT);
          let n;
          while ((n = w.nextNode())) {
            const s = n.textContent || '';
            for (let i = 0; i < s.length; i++) {
              const r = document.createRange();
              r.setStart(n, i);
              r.setEnd(n, i + 1);
              const b = r.getBoundingClientRect();
              const cx = b.x + b.width / 2;
              if (b.width > 0 && cx > box.x && cx < box.x + box.width) out += s[i];
            }
          }
          return out.replace(/\u00a0/g, ' ');
        };
        const res = [];
        for (const el of ed.querySelectorAll(decoSel)) {
          const cs = getComputedStyle(el);
          const r = el.getBoundingClientRect();
          const inline = !!el.closest('.view-lines');
          const pseudo = (p) => {
            const c = getComputedStyle(el, p).content;
            return c && c !== 'none' && c !== 'normal' ? c.replace(/^"|"$/g, '') : '';
          };
          const cy = r.y + r.height / 2;
          const ln = lineNums.find((l) => cy >= l.r.top && cy < l.r.bottom);
          res.push({
            className: el.className,
            layer: inline ? 'inline' : 'overlay',
            text: inline ? (el.textContent || '').replace(/\u00a0/g, ' ') : textInBox(r),
            background: cs.backgroundColor,
            color: cs.color,
            border: cs.border,
            fontStyle: cs.fontStyle,
            fontWeight: cs.fontWeight,
            textDecoration: cs.textDecorationLine,
            before: pseudo('::before'),
            after: pseudo('::after'),
            line: ln ? ln.n : 0,
            x: r.x,
            y: r.y,
            width: r.width,
            height: r.height,
          });
        }
        return res.sort((a, b) => a.y - b.y || a.x - b.x);
      },
      { edSel: Q.activeEditor, decoSel: Q.deco },
    );
  }

  /**
   * Waits until decorations() returns a list that passes `pred` (default: at least one), and returns it.
   * @param {(d: Awaited<ReturnType<VSCode['decorations']>>) => boolean} [pred]
   * @param {{ timeout?: number }} [opts]
   */
  async waitForDecorations(pred = (d) => d.length > 0, { timeout = T.command } = {}) {
    return waitFor(
      async () => {
        const d = await this.decorations();
        return pred(d) ? d : null;
      },
      { timeout, message: 'decorations' },
    );
  }

  /**
   * Screen box of the n-th occurrence of `word` in the active editor's visible lines.
   * @param {string} word
   * @param {{ line?: number, nth?: number }} [opts] line: 1-based line number to look in
   * @returns {Promise<{ x: number, y: number, width: number, height: number } | null>}
   */
  async wordBox(word, { line, nth = 0 } = {}) {
    return this.page.evaluate(
      ({ edSel, word, line, nth }) => {
        const ed = document.querySelector(edSel);
        if (!ed) return null;
        let lineEls = [...ed.querySelectorAll('.view-lines .view-line')].sort(
          (a, b) =>
            (parseFloat(/** @type {HTMLElement} */ (a).style.top) || 0) -
            (parseFloat(/** @type {HTMLElement} */ (b).style.top) || 0),
        );
        if (line) {
          const ln = [...ed.querySelectorAll('.margin-view-overlays .line-numbers')].find(
            (l) => +(l.textContent || 0) === line,
          );
          if (!ln) return null;
          const r = ln.getBoundingClientRect();
          const cy = r.y + r.height / 2;
          lineEls = lineEls.filter((l) => {
            const b = l.getBoundingClientRect();
            return cy >= b.top && cy < b.bottom;
          });
        }
        let k = 0;
        for (const l of lineEls) {
          const w = document.createTreeWalker(l, NodeFilter.SHOW_TEXT);
          let n;
          while ((n = w.nextNode())) {
            const s = (n.textContent || '').replace(/\u00a0/g, ' ');
            for (let i = s.indexOf(word); i >= 0; i = s.indexOf(word, i + 1)) {
              if (k++ !== nth) continue;
              const r = document.createRange();
              r.setStart(n, i);
              r.setEnd(n, i + word.length);
              const b = r.getBoundingClientRect();
              return { x: b.x, y: b.y, width: b.width, height: b.height };
            }
          }
        }
        return null;
      },
      { edSel: Q.activeEditor, word, line: line || 0, nth },
    );
  }

  /**
   * Moves the mouse onto `word` in the active editor and returns the text of the hover that appears.
   * @param {string} word
   * @param {{ contains?: string | RegExp, line?: number, nth?: number, timeout?: number }} [opts]
   *   contains: wait for a hover with this text (hovers fill in asynchronously)
   * @returns {Promise<string>} innerText of the visible .monaco-hover
   */
  async hover(word, { contains, line, nth, timeout = T.ui } = {}) {
    const b = await this.wordBox(word, { line, nth });
    if (!b) throw new Error(`word "${word}" not visible in the active editor`);
    const x = b.x + b.width / 2;
    const y = b.y + b.height / 2;
    await this.page.mouse.move(x - 30, y - 40);
    await this.page.mouse.move(x, y, { steps: 5 });
    const h = (contains ? this.page.locator(Q.hover, { hasText: contains }) : this.page.locator(Q.hover))
      .filter({ visible: true })
      .first();
    await h.waitFor({ state: 'visible', timeout });
    return h.innerText();
  }

  /** Hides any hover (mouse away + Escape). */
  async hideHover() {
    await this.page.mouse.move(2, 2);
    await this.page.keyboard.press('Escape');
    await this.page
      .locator(Q.hover)
      .filter({ visible: true })
      .first()
      .waitFor({ state: 'hidden', timeout: T.ui })
      .catch(() => {});
  }

  /**
   * The content frame of a webview (outer iframe.webview.ready → inner iframe#active-frame).
   * Waits until one is there. Use the result like a page: `(await vsc.webview()).locator('#id')`.
   * @param {{ title?: string | RegExp, timeout?: number }} [opts]
   *   title: pick the webview whose editor tab has this title (default: the visible one)
   * @returns {Promise<import('../harness/node_modules/playwright-core').FrameLocator>}
   */
  async webview({ title, timeout = T.command } = {}) {
    if (title) {
      await this.page.locator('.tab', { hasText: title }).first().waitFor({ timeout });
      await this.page.locator('.tab', { hasText: title }).first().click();
    }
    const outer = this.page.locator('iframe.webview.ready').filter({ visible: true }).first();
    await outer.waitFor({ state: 'attached', timeout });
    const inner = outer.contentFrame().locator('iframe#active-frame');
    await inner.waitFor({ state: 'attached', timeout });
    const frame = outer.contentFrame().frameLocator('iframe#active-frame');
    await frame.locator('body').waitFor({ state: 'attached', timeout });
    return frame;
  }

  /**
   * A status bar item's text. `idOrText` is matched against the item's DOM id (its status bar entry id:
   * built-ins like 'status.editor.selection'; extension items '<publisher>.<name>.<id>' or similar,
   * so a suffix/substring match is used) and, failing that, against its text.
   * @param {string | RegExp} idOrText
   * @param {{ timeout?: number }} [opts]
   * @returns {Promise<string>}
   */
  async statusBarItem(idOrText, { timeout = T.command } = {}) {
    const loc = await this.statusBarLocator(idOrText, { timeout });
    return (await loc.innerText()).trim();
  }

  /**
   * Locator of a status bar item (see statusBarItem), once visible.
   * @param {string | RegExp} idOrText
   * @param {{ timeout?: number }} [opts]
   */
  async statusBarLocator(idOrText, { timeout = T.command } = {}) {
    const page = this.page;
    const byId =
      typeof idOrText === 'string'
        ? page.locator(
            `${Q.statusItem}[id="${idOrText}"], ${Q.statusItem}[id$=".${idOrText}"], ${Q.statusItem}[id*="${idOrText}"]`,
          )
        : null;
    const byText = page.locator(Q.statusItem, { hasText: idOrText });
    const found = await waitFor(
      async () => {
        if (byId && (await byId.count())) return byId.first();
        if (await byText.count()) return byText.first();
        return null;
      },
      { timeout, message: `status bar item ${idOrText}` },
    );
    await found.waitFor({ state: 'visible', timeout });
    return found;
  }

  /**
   * The current colour theme kind, from the workbench's classes: 'vs' (light), 'vs-dark',
   * 'hc-black' or 'hc-light'.
   * @returns {Promise<string>}
   */
  async themeKind() {
    const cls = (await this.page.locator(Q.workbench).getAttribute('class')) || '';
    return ['hc-light', 'hc-black', 'vs-dark', 'vs'].find((k) => cls.split(/\s+/).includes(k)) || 'unknown';
  }

  /**
   * Switches the colour theme with 'Preferences: Color Theme' and the theme's name as listed there,
   * e.g. 'Light Modern', 'Dark Modern', 'Light+', 'Dark+', 'Dark High Contrast'.
   * Waits until the workbench repaints with another theme class (if the kind changes).
   * @param {string} name
   * @returns {Promise<string>} the new theme kind (see themeKind)
   */
  async setColorTheme(name) {
    const before = await this.themeKind();
    await this.runCommand('Preferences: Color Theme');
    const box = this.page.locator(Q.quickInputBox);
    await waitFor(async () => (await box.isVisible()) && (await box.inputValue()) === '', {
      timeout: T.ui,
      message: 'theme picker',
    });
    await box.fill(name);
    const row = this.page
      .locator(Q.quickRow)
      .filter({
        has: this.page.locator('.label-name, .monaco-highlighted-label', {
          hasText: new RegExp(`^${escapeRe(name)}$`),
        }),
      })
      .first();
    await row.waitFor({ state: 'visible', timeout: T.ui });
    await row.click();
    await this.page.locator(Q.quickInput).waitFor({ state: 'hidden', timeout: T.ui });
    const lightish = /light/i.test(name);
    const expected = /high contrast/i.test(name) ? (lightish ? 'hc-light' : 'hc-black') : lightish ? 'vs' : 'vs-dark';
    if (expected !== before) {
      await waitFor(async () => (await this.themeKind()) === expected, {
        timeout: T.ui,
        message: `theme kind ${expected}`,
      });
    }
    return this.themeKind();
  }

  /**
   * Saves a screenshot of the whole window to shotsDir as 'NN-name.png'; returns the path.
   * @param {string} name
   */
  async screenshot(name) {
    const file = path.join(
      this.shotsDir,
      `${String(++this.shotCount).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_')}.png`,
    );
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes the browser and removes its profile. */
  async close() {
    await this.context.close().catch(() => {});
    fs.rmSync(this.profileDir, { recursive: true, force: true });
  }
}

/** @param {string} s */
function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

module.exports = { VSCode, waitFor, waitForJsonFile, escapeRe, TIMEOUTS: T, CHROMIUM_ARGS, SELECTORS: Q };
