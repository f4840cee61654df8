/**
 * Webview entry (bundled by tools/build.mjs into dist/webview.js, with panel.css into dist/webview.css):
 * defines the vscode-elements it uses, acquires the VS Code API once, routes messages and says `ready`.
 */
import './panel.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { ToPanel } from '../src/extension/panel/panelProtocol';
import { PanelApp } from './app';

declare function acquireVsCodeApi(): {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

function main(): void {
  const api = acquireVsCodeApi();
  const app = new PanelApp(document, {
    post: (m) => api.postMessage(m),
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
  });
  window.addEventListener('message', (e: MessageEvent<unknown>) => {
    const msg = e.data;
    if (typeof msg === 'object' && msg !== null && typeof (msg as { kind?: unknown }).kind === 'string')
      app.handle(msg as ToPanel);
  });
  app.start();
}

main();
