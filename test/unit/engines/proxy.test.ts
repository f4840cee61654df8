/** Which proxy a download uses: VS Code's http.proxy, else HTTPS_PROXY / HTTP_PROXY, minus NO_PROXY. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bypassesProxy, proxyFor, redactedProxy } from '../../../src/engines/catalog/proxy';

const HUB = 'https://huggingface.co/Xenova/gpt2/resolve/main/config.json';

test('the explicit setting wins; https uses HTTPS_PROXY then HTTP_PROXY; http uses HTTP_PROXY; lower case works', () => {
  assert.equal(
    proxyFor(HUB, { explicit: 'http://vscode:3128', env: { HTTPS_PROXY: 'http://env:1' } }),
    'http://vscode:3128/',
  );
  assert.equal(
    proxyFor(HUB, { env: { HTTPS_PROXY: 'http://secure:8080', HTTP_PROXY: 'http://plain:8081' } }),
    'http://secure:8080/',
  );
  assert.equal(proxyFor(HUB, { env: { http_proxy: 'http://plain:8081' } }), 'http://plain:8081/');
  assert.equal(proxyFor('http://mirror.local/x', { env: { HTTPS_PROXY: 'http://secure:8080' } }), null);
  assert.equal(
    proxyFor(HUB, { env: { HTTPS_PROXY: 'corp-proxy:3128' } }),
    'http://corp-proxy:3128/',
    'a bare host:port means http://',
  );
  assert.equal(proxyFor(HUB, { env: {} }), null);
  assert.equal(proxyFor(HUB, { env: { HTTPS_PROXY: 'http://[bad' } }), null, 'an unusable setting is ignored');
});

test('NO_PROXY: *, exact hosts, domain suffixes with or without a dot, ports, IPv6, spaces and commas', () => {
  const u = (s: string) => new URL(s);
  assert.equal(bypassesProxy(u('https://huggingface.co/x'), '*'), true);
  assert.equal(bypassesProxy(u('https://huggingface.co/x'), 'localhost, huggingface.co'), true);
  assert.equal(bypassesProxy(u('https://cdn.huggingface.co/x'), 'huggingface.co'), true);
  assert.equal(bypassesProxy(u('https://cdn.huggingface.co/x'), '.huggingface.co'), true);
  assert.equal(bypassesProxy(u('https://huggingface.co/x'), '.huggingface.co'), true);
  assert.equal(bypassesProxy(u('https://nothuggingface.co/x'), 'huggingface.co'), false);
  assert.equal(bypassesProxy(u('http://127.0.0.1:8080/x'), '127.0.0.1:8080'), true);
  assert.equal(bypassesProxy(u('http://127.0.0.1:9090/x'), '127.0.0.1:8080'), false);
  assert.equal(bypassesProxy(u('https://huggingface.co/x'), 'huggingface.co:443'), true);
  assert.equal(bypassesProxy(u('http://[::1]:80/x'), '[::1]'), true);
  assert.equal(bypassesProxy(u('https://huggingface.co/x'), undefined), false);
  assert.equal(
    proxyFor(HUB, { explicit: 'http://vscode:3128', env: { NO_PROXY: 'huggingface.co' } }),
    null,
    'NO_PROXY applies to the setting too',
  );
});

test('logs show a proxy without its credentials', () => {
  assert.equal(redactedProxy('http://user:secret@proxy:3128/'), 'http://***@proxy:3128/');
  assert.equal(redactedProxy('http://proxy:3128/'), 'http://proxy:3128/');
});
