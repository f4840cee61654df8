/** Robustness: retries with backoff on 429/5xx (Retry-After honoured), one clear error for a dead endpoint, cancellation, API key never shown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteHttp, retryAfterMs } from '../../../../src/engines/remote/http';
import { RemoteModel } from '../../../../src/engines/remote/remoteModel';
import { charVllm, charVllmBody, fakeModels, startFakeServer } from './helpers/fakeServer';

const errWith = (code: string, re: RegExp) => (e: Error & { code?: string }) => {
  assert.equal(e.code, code, e.message);
  assert.match(e.message, re);
  assert.equal(e.message.split('\n').length, 1, 'one line');
  return true;
};

test('429 with Retry-After, then 200: retried after the server-given delay, and the answer is used', async () => {
  const s = await startFakeServer((r, n) =>
    n === 1
      ? { status: 429, body: { error: 'rate limited' }, headers: { 'retry-after': '1' } }
      : { body: { ok: r.path } },
  );
  try {
    const retries: string[] = [];
    const http = new RemoteHttp(s.url, { backoffMs: 5, onRetry: (x) => retries.push(`${x.reason} ${x.delayMs}`) });
    const t0 = Date.now();
    const res = await http.request('POST', '/v1/completions', { prompt: 'x' });
    assert.equal(res.status, 200);
    assert.equal(s.requests.length, 2);
    assert.deepEqual(retries, ['HTTP 429 1000']);
    assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
  } finally {
    await s.close();
  }
});

test('5xx until the retries run out: one server-error naming the URL and the attempts', async () => {
  const s = await startFakeServer(() => ({ status: 503, body: { object: 'error', message: 'engine overloaded' } }));
  try {
    const http = new RemoteHttp(s.url, { retries: 2, backoffMs: 1 });
    await assert.rejects(
      http.request('POST', '/v1/completions', {}),
      errWith(
        'server-error',
        new RegExp(`${s.url}/v1/completions answered HTTP 503 engine overloaded after 3 attempts`),
      ),
    );
    assert.equal(s.requests.length, 3);
  } finally {
    await s.close();
  }
});

test('a dead endpoint: one clear server-unreachable error naming the URL, no retry storm', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const t0 = Date.now();
  await assert.rejects(
    RemoteModel.connect({ endpoint: `http://127.0.0.1:${port}/v1`, backoffMs: 1000 }),
    errWith(
      'server-unreachable',
      new RegExp(
        `^Cannot reach the server at http://127\\.0\\.0\\.1:${port}/v1/models \\(ECONNREFUSED\\); check --endpoint`,
      ),
    ),
  );
  assert.ok(Date.now() - t0 < 900, 'failed fast, without backoff');
});

test('per-request timeout', async () => {
  const s = await startFakeServer(() => 'hang');
  try {
    const http = new RemoteHttp(s.url, { timeoutMs: 150, retries: 1, backoffMs: 1 });
    await assert.rejects(
      http.request('GET', '/v1/models'),
      errWith('server-error', /gave no answer within 0\.2 s \(2 attempts\); raise --timeout/),
    );
    assert.equal(s.requests.length, 2);
  } finally {
    await s.close();
  }
});

test('cancellation aborts requests in flight: the server sees the connections close, the caller gets `cancelled` at once', async () => {
  let hung = 0;
  const s = await startFakeServer((r) =>
    r.path === '/v1/completions' && r.body?.prompt !== 'Hello world, hello' ? (hung++, 'hang') : charVllm()(r),
  );
  try {
    const model = await RemoteModel.connect({ endpoint: s.url });
    const ac = new AbortController();
    const runs = [
      model.analyze('first text', { signal: ac.signal }),
      model.analyze('second text', { signal: ac.signal }),
    ];
    while (hung < 2) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    ac.abort();
    for (const p of runs) await assert.rejects(p, errWith('cancelled', /cancelled/));
    assert.ok(Date.now() - t0 < 500);
    for (let i = 0; i < 50 && s.aborted < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.aborted, 2, 'both requests were aborted on the wire');
  } finally {
    await s.close();
  }
});

test('the API key is sent as a bearer token and never appears in errors or results', async () => {
  const key = 'sk-test-SECRET-1234567890';
  const s = await startFakeServer((r) => {
    if (r.headers.authorization !== `Bearer ${key}`) return { status: 401, body: { error: 'Unauthorized' } };
    if (r.path === '/v1/models') return { body: fakeModels() };
    if (r.body?.prompt === 'boom')
      return { status: 400, body: { object: 'error', message: `bad request from client with key ${key}` } };
    return { body: charVllmBody(String(r.body?.prompt), 2) };
  });
  try {
    await assert.rejects(
      RemoteModel.connect({ endpoint: s.url, apiKey: 'wrong' }),
      errWith('server-error', /refused the request \(HTTP 401\): check the API key/),
    );
    const m = await RemoteModel.connect({ endpoint: s.url, apiKey: key });
    const r = await m.analyze('abc');
    assert.ok(!JSON.stringify(r).includes(key));
    await assert.rejects(m.analyze('boom'), (e: Error) => !e.message.includes(key) && /\*\*\*/.test(e.message));
  } finally {
    await s.close();
  }
});

test('Retry-After as seconds or an HTTP date', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(retryAfterMs('soon'), null);
});
