/**
 * Pure HTML builder for the panel webview: a strict CSP (default-src 'none', scripts only by a fresh
 * crypto nonce), the built script and stylesheet, and a static skeleton whose ids the webview script and
 * the e2e harness look up. No document text ever goes into this HTML: the webview fills it with
 * textContent after the `ready` handshake. No `vscode` import, so it is unit-tested under node.
 */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** webview.asWebviewUri(dist/webview/webview.js).toString() */
  scriptUri: string;
  /** webview.asWebviewUri(dist/webview/webview.css).toString() */
  styleUri: string;
  /** Defaults to a new makeNonce(); pass one only in tests. */
  nonce?: string;
}

/** 144 random bits from the OS CSPRNG, base64 (a valid CSP nonce-source). */
export const makeNonce = (): string => randomBytes(18).toString('base64');

/** The panel's Content-Security-Policy: nothing but local styles/fonts/images and the one nonce'd script. */
export const panelCsp = (cspSource: string, nonce: string): string =>
  `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource}; font-src ${cspSource}; script-src 'nonce-${nonce}'`;

const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function buildPanelHtml(o: PanelHtmlOptions): string {
  const nonce = o.nonce ?? makeNonce();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(nonce)) throw new Error(`Invalid CSP nonce: ${JSON.stringify(nonce)}.`);
  const csp = escapeAttr(panelCsp(o.cspSource, nonce));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>Semantic Flow</title>
</head>
<body>
<main id="app" aria-busy="true">
  <section id="empty-state" hidden>
    <p>No analysis to show yet. Select text in an editor, then run <strong>Semantic Flow: Analyze Selection</strong>.</p>
    <vscode-button id="run-analyze">Analyze Selection</vscode-button>
  </section>
  <div id="stale-banner" class="banner" role="status" hidden>
    <span>The document changed after this analysis (or the window was reloaded); the panel still shows the analysed text.</span>
    <vscode-button id="rerun-analyze" secondary>Analyze again</vscode-button>
  </div>
  <div id="content" hidden>
    <header class="toolbar">
      <span id="status" role="status"></span>
      <span class="spacer"></span>
      <vscode-button id="export-json" secondary title="Save the result as JSON">Export JSON</vscode-button>
      <vscode-button id="export-csv" secondary title="Save the per-token table as CSV">Export CSV</vscode-button>
      <vscode-button id="export-png" secondary title="Save the charts as one PNG image">Export PNG</vscode-button>
    </header>
    <vscode-collapsible id="section-summary" heading="Summary" open>
      <table id="summary-table" class="summary"><tbody id="summary-body"></tbody></table>
    </vscode-collapsible>
    <vscode-collapsible id="section-tokens" heading="Tokens" open>
      <div class="controls">
        <label for="measure-select">Colour by</label>
        <vscode-single-select id="measure-select">
          <vscode-option value="surprisal">surprisal</vscode-option>
          <vscode-option value="entropy">entropy</vscode-option>
        </vscode-single-select>
        <div id="legend" role="list" aria-label="Colour scale"></div>
      </div>
      <div id="token-strip" role="listbox" aria-label="Tokens; arrow keys move, Enter selects"></div>
      <table id="token-detail" class="detail" aria-live="polite"><tbody id="token-detail-body"></tbody></table>
    </vscode-collapsible>
    <vscode-collapsible id="section-surprisal" heading="Surprisal and entropy per token" open>
      <div class="chart-box"><canvas id="chart-surprisal" role="img" aria-label="Surprisal and entropy per token, in bits"></canvas></div>
    </vscode-collapsible>
    <vscode-collapsible id="section-di" heading="Directed information (cumulative)" open hidden>
      <div class="chart-box"><canvas id="chart-di" role="img" aria-label="Cumulative directed information with compensator and residual, in bits"></canvas></div>
    </vscode-collapsible>
    <vscode-collapsible id="section-flow" heading="Token-to-token flow" open hidden>
      <div class="controls">
        <label for="flow-threshold">Hide |value| below</label>
        <input type="range" id="flow-threshold" min="0" max="1" step="0.01" value="0">
        <span id="flow-threshold-value"></span>
        <vscode-single-select id="flow-matrix">
          <vscode-option value="phi">observed φ</vscode-option>
          <vscode-option value="expected">expected</vscode-option>
        </vscode-single-select>
      </div>
      <div class="heatmap">
        <div class="heatmap-corner"></div>
        <div id="flow-cols" class="heatmap-cols"></div>
        <div id="flow-rows" class="heatmap-rows"></div>
        <canvas id="flow-heatmap" tabindex="0" role="img" aria-label="Flow matrix, sources by targets, in bits. Arrow keys move between cells; Enter selects the cell's target token." aria-describedby="flow-readout"></canvas>
      </div>
      <p id="flow-readout" class="readout" aria-live="polite"></p>
      <div id="flow-scale" class="heatmap-scale"></div>
    </vscode-collapsible>
    <vscode-collapsible id="section-dialogue" heading="Dialogue: directed information both ways" open hidden>
      <div class="chart-box"><canvas id="chart-dialogue" role="img" aria-label="Cumulative directed information across turns, user to assistant and assistant to user, with their compensators, in bits"></canvas></div>
      <div class="grid-box"><table class="grid" aria-label="Turns">
        <thead><tr><th scope="col">#</th><th scope="col">role</th><th scope="col">text</th><th scope="col">tokens</th><th scope="col">bits</th><th scope="col">baseline</th><th scope="col">Σ iota</th><th scope="col">cumulative</th><th scope="col">receives</th></tr></thead>
        <tbody id="dialogue-turns-body"></tbody>
      </table></div>
      <div id="dialogue-lines" class="notes"></div>
      <div id="dialogue-legend" class="legend" role="list" aria-label="Colour scale of iota"></div>
      <div id="dialogue-strip" class="strip" role="listbox" aria-label="Transcript tokens coloured by iota; arrow keys move, Enter selects"></div>
    </vscode-collapsible>
    <vscode-collapsible id="section-rd" heading="Quantisation rate–distortion" open hidden>
      <div class="chart-box"><canvas id="chart-rd" role="img" aria-label="Distortion (mean KL per token from fp32) against rate (bits per weight), one point per ONNX variant, with 95% bootstrap intervals"></canvas></div>
      <div class="grid-box"><table class="grid" aria-label="Variants">
        <thead><tr><th scope="col">variant</th><th scope="col">file</th><th scope="col">size</th><th scope="col">bits/weight</th><th scope="col">mean KL, bits/token [95%]</th><th scope="col">Δ bits/byte [95%]</th></tr></thead>
        <tbody id="rd-points-body"></tbody>
      </table></div>
      <p id="rd-note" class="notes"></p>
      <div class="controls">
        <label for="rd-variant">Largest KL for</label>
        <select id="rd-variant"></select>
      </div>
      <ol id="rd-worst" class="worst"></ol>
      <p id="rd-worst-empty" class="notes" hidden>This variant gives the fp32 predictions exactly: no token differs.</p>
    </vscode-collapsible>
  </div>
</main>
<script nonce="${nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
