/**
 * Hardening, faults: an inference server that drops the connection (a local HTTP server destroying the
 * socket before or in the middle of its answer). A drop is retried as designed (like a 503), a drop
 * that persists ends in one clear one-line error naming the URL and the attempts, and a single drop
 * followed by a good answer gives the exact result. (Timeouts, 5xx, dead endpoints, cancellation:
 * test/unit/engines/remote/http.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteHttp } from '../../../src/engines/remote/http';
import { RemoteModel } from '../../../src/engines/remote/remoteModel';
import { charVllm } from '../engines/remote/helpers/fakeServer';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

async function server(handler: Handler): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      hits.push(req.url ?? '');
      handler(req, res, body, hits.length);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** Status line, headers and half a JSON body, then the socket is destroyed. */
function dropMidAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4000' });
  res.write('{"id":"cmpl-x","choices":[{"index":0,"prompt_logprobs":[null,{"12":{"logprob":-1.');
  setTimeout(() => req.socket.destroy(), 10);
}

const oneLine = (code: string, re: RegExp) => (e: Error & { code?: string }) => {
  assert.equal(e.code, code, e.message);
  assert.match(e.message, re);
  assert.equal(e.message.split('\n').length, 1);
  return true;
};

test('a server that always drops mid-answer: retried as designed, then one clear error naming the URL and the attempts', async () => {
  const s = await server((req, res) => dropMidAnswer(req, res));
  try {
    const reasons: string[] = [];
    const http = new RemoteHttp(s.url, { retries: 2, backoffMs: 1, onRetry: (r) => reasons.push(r.reason) });
    await assert.rejects(
      http.request('POST', '/v1/completions', { prompt: 'x' }),
      oneLine(
        'server-error',
        new RegExp(
          `^The server at ${s.url}/v1/completions closed the connection in the middle of its answer \\(3 attempts\\); check the server's log\\.$`,
        ),
      ),
    );
    assert.equal(s.hits.length, 3, 'first attempt + 2 retries');
    assert.deepEqual(reasons, [
      'connection closed in the middle of the answer',
      'connection closed in the middle of the answer',
    ]);
  } finally {
    await s.close();
  }
});

test('a server that closes the connection without answering, from the very first contact: retried, then one clear error', async () => {
  const s = await server((req) => req.socket.destroy());
  try {
    await assert.rejects(
      RemoteModel.connect({ endpoint: s.url, retries: 1, backoffMs: 1 }),
      oneLine(
        'server-error',
        new RegExp(
          `^The server at ${s.url}/v1/models closed the connection without answering \\(2 attempts\\); check the server's log\\.$`,
        ),
      ),
    );
    assert.equal(s.hits.length, 2, 'a dropped connection is retried, unlike a refused one');
  } finally {
    await s.close();
  }
});

test('one drop in the middle of a scoring answer, then a good answer: the result is exact and complete', async () => {
  const vllm = charVllm();
  let completions = 0;
  const s = await server((req, res, body, _n) => {
    const path = (req.url ?? '').split('?')[0];
    const parsed = body ? JSON.parse(body) : null;
    if (path === '/v1/completions' && parsed?.prompt === 'Hello, dropped world') {
      completions++;
      if (completions === 1) return dropMidAnswer(req, res);
    }
    const a = vllm({ method: req.method ?? 'GET', path, headers: req.headers, body: parsed });
    if (a === 'hang') return;
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  try {
    const notices: string[] = [];
    const m = await RemoteModel.connect({ endpoint: s.url, backoffMs: 1, onNotice: (n) => notices.push(n) });
    const text = 'Hello, dropped world';
    const r = await m.analyze(text, { topK: 2 });
    assert.equal(completions, 2, 'the dropped request was sent again');
    assert.equal(r.tokens.map((t) => text.slice(t.start, t.end)).join(''), text);
    assert.equal(r.tokens.length, [...text].length);
    assert.ok(
      notices.some((n) => /retrying in .* after connection closed in the middle of the answer \(attempt 1\)/.test(n)),
      notices.join('\n'),
    );
  } finally {
    await s.close();
  }
});
