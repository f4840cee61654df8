/**
 * A download through an HTTP proxy: a local proxy (CONNECT tunnels and absolute-URI requests) in front of
 * the imitation Hub. The engine's download handler takes the proxy from HTTP_PROXY or from VS Code's
 * setting, every request crosses the proxy, and the files equal the source; NO_PROXY goes direct.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerContext } from '../../src/worker/dispatcher';
import { download } from '../../src/worker/handlers';
import { startFakeHub } from '../fixtures/hub/fakeHub';

const TINY = join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2');
const tmp = mkdtempSync(join(tmpdir(), 'sf-proxy-'));

/** A forward proxy that records what it carried. */
async function startProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`GET ${req.url}`);
    const target = new URL(req.url!);
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, client, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const proxyPromise = startProxy();
const hubPromise = startFakeHub({ root: TINY });
after(async () => {
  await (await proxyPromise).close();
  await (await hubPromise).close();
});

function context(): HandlerContext & { logs: string[] } {
  const logs: string[] = [];
  return { signal: new AbortController().signal, logs, progress: () => undefined, log: (_l, m) => logs.push(m) };
}

test('HTTP_PROXY: every request of the download crosses the proxy, the files equal the source, the log names the proxy', async () => {
  const proxy = await proxyPromise,
    hub = await hubPromise;
  proxy.seen.length = 0;
  const before = hub.requests.length;
  const ctx = context();
  const r = await download(
    { hubId: 'test-org/tiny-gpt2', dtype: 'q8', destRoot: join(tmp, 'a'), host: hub.url },
    ctx,
    undefined,
    { HTTP_PROXY: proxy.url },
  );
  const fetched = hub.requests.length - before;
  assert.ok(fetched >= 4, `${fetched} requests reached the hub`);
  assert.ok(
    proxy.seen.length >= 1 && proxy.seen.every((s) => s.includes(new URL(hub.url).host)),
    proxy.seen.join('\n'),
  );
  assert.deepEqual(
    readFileSync(join(r.dir, 'onnx', 'model_quantized.onnx')),
    readFileSync(join(TINY, 'onnx', 'model_quantized.onnx')),
  );
  assert.ok(
    ctx.logs.some((l) => l.includes(`through the proxy ${proxy.url}/`)),
    ctx.logs.join('\n'),
  );
});

test('the VS Code setting is used as the proxy; NO_PROXY for the hub goes direct', async () => {
  const proxy = await proxyPromise,
    hub = await hubPromise;
  proxy.seen.length = 0;
  await download(
    { hubId: 'test-org/tiny-gpt2', dtype: 'q8', destRoot: join(tmp, 'b'), host: hub.url, proxy: proxy.url },
    context(),
    undefined,
    {},
  );
  assert.ok(proxy.seen.length >= 1, 'the setting routed the download through the proxy');

  proxy.seen.length = 0;
  const ctx = context();
  await download(
    { hubId: 'test-org/tiny-gpt2', dtype: 'q8', destRoot: join(tmp, 'c'), host: hub.url, proxy: proxy.url },
    ctx,
    undefined,
    { NO_PROXY: '127.0.0.1' },
  );
  assert.deepEqual(proxy.seen, [], 'NO_PROXY bypassed the proxy');
  assert.ok(!ctx.logs.some((l) => l.includes('through the proxy')), ctx.logs.join('\n'));
});

test('an unreachable proxy fails the download with a network message, not a hang', async () => {
  const hub = await hubPromise;
  const dead = await startProxy();
  await dead.close();
  await assert.rejects(
    download(
      { hubId: 'test-org/tiny-gpt2', dtype: 'q8', destRoot: join(tmp, 'd'), host: hub.url, proxy: dead.url },
      context(),
      undefined,
      {},
    ),
    (e: Error & { code?: string }) =>
      e.code === 'server-unreachable' &&
      e.message.includes(`through the proxy ${dead.url}/`) &&
      /HTTPS_PROXY/.test(e.message),
  );
});
