import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildPanelHtml, makeNonce, panelCsp } from '../../../src/extension/panel/panelHtml';

const cspSource = 'https://*.vscode-cdn.net';
const scriptUri = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/webview.js';
const styleUri = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/webview.css';
const render = (nonce?: string) => buildPanelHtml({ cspSource, scriptUri, styleUri, nonce });
const cspOf = (html: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];

describe('panelHtml', () => {
  it('has exactly the strict CSP, with the nonce', () => {
    const html = render('abcDEF123+/xyz_-09AB');
    assert.equal(
      cspOf(html),
      `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource}; font-src ${cspSource}; script-src 'nonce-abcDEF123+/xyz_-09AB'`,
    );
    assert.equal(
      panelCsp('S', 'N'),
      "default-src 'none'; img-src S data:; style-src S; font-src S; script-src 'nonce-N'",
    );
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    assert.equal(html.match(/Content-Security-Policy/g)?.length, 1);
  });

  it('puts the CSP nonce on every script, and every script is external', () => {
    const html = render();
    const nonce = /'nonce-([^']+)'/.exec(cspOf(html)!)![1];
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length >= 1);
    assert.equal(html.match(/<script\b/g)?.length, scripts.length);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, new RegExp(` nonce="${nonce.replace(/[+/]/g, '\\$&')}"`));
      assert.match(attrs, / src="[^"]+"/);
      assert.equal(body.trim(), '', 'no inline script');
    }
  });

  it('uses a fresh random nonce per render', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 500; i++) nonces.add(/'nonce-([^']+)'/.exec(cspOf(render())!)![1]);
    assert.equal(nonces.size, 500);
    const n = makeNonce();
    assert.match(n, /^[A-Za-z0-9+/]{24}$/, '18 random bytes in base64');
    assert.doesNotMatch(
      readFileSync(new URL('../../../src/extension/panel/panelHtml.ts', import.meta.url), 'utf8'),
      /Math\.random/,
    );
  });

  it('rejects a nonce that could break out of the attribute or the policy', () => {
    for (const bad of ['', 'a b', "x'; script-src *", 'x"><script>', 'abc;'])
      assert.throws(() => render(bad), /Invalid CSP nonce/);
  });

  it('has no inline handlers, inline styles, <style> blocks or javascript: URLs', () => {
    const html = render();
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
    assert.doesNotMatch(html, /\sstyle\s*=/i);
    assert.doesNotMatch(html, /<style\b/i);
    assert.doesNotMatch(html, /javascript:/i);
  });

  it('loads only the two local assets it was given', () => {
    const html = render();
    const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(urls.sort(), [scriptUri, styleUri].sort());
    assert.doesNotMatch(
      html.replaceAll(scriptUri, '').replaceAll(styleUri, '').replaceAll(cspSource, ''),
      /https?:\/\//,
    );
  });

  it('escapes the asset URIs it is given', () => {
    const html = buildPanelHtml({ cspSource, scriptUri: 'x"><script>alert(1)</script>', styleUri, nonce: 'abc' });
    assert.equal(html.match(/<script\b/g)?.length, 1);
    assert.match(html, /src="x&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  });

  it('has the element ids the webview and the e2e harness look up', () => {
    const html = render();
    for (const id of [
      'token-strip',
      'summary-table',
      'chart-surprisal',
      'chart-di',
      'flow-heatmap',
      'flow-scale',
      'legend',
      'export-json',
      'export-csv',
      'export-png',
      'empty-state',
      'token-detail-body',
      'summary-body',
      'stale-banner',
      'status',
      'flow-threshold',
      'measure-select',
      'flow-matrix',
      'run-analyze',
    ]) {
      assert.equal(html.match(new RegExp(`\\sid="${id}"`, 'g'))?.length, 1, id);
    }
  });
});

describe('panelHtml ↔ webview', () => {
  it('has every id the webview script looks up', async () => {
    const { readdirSync } = await import('node:fs');
    const dir = new URL('../../../webview/', import.meta.url);
    const html = render();
    const ids = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(new URL(f, dir), 'utf8').matchAll(
        /\b(?:id|byId)(?:<[^>]*>)?\((?:[a-z.]+, )?'([a-z-]+)'\)/g,
      ))
        ids.add(m[1]);
    }
    assert.ok(ids.size > 15, `found ${ids.size} ids`);
    for (const id of ids)
      assert.match(html, new RegExp(`\\sid="${id}"`), `#${id} used by webview/ but missing from panelHtml`);
  });
});
