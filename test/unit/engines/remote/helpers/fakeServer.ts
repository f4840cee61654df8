/** A scriptable HTTP server on 127.0.0.1 for remote-engine tests, and a character-level fake vLLM. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | null;
}

export type FakeAnswer =
  | { status?: number; body: string | object; headers?: Record<string, string>; delayMs?: number }
  | 'hang';

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  /** Requests whose connection the client closed before an answer. */
  aborted: number;
  close(): Promise<void>;
}

export async function startFakeServer(
  handler: (r: FakeRequest, n: number) => FakeAnswer | Promise<FakeAnswer>,
): Promise<FakeServer> {
  const state = { requests: [] as FakeRequest[], aborted: 0 };
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(parts).toString('utf8');
      const r: FakeRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0],
        headers: req.headers,
        body: raw ? JSON.parse(raw) : null,
      };
      state.requests.push(r);
      const a = await handler(r, state.requests.length);
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        if (!res.writableFinished) state.aborted++;
      });
      if (a === 'hang') return;
      const send = () => {
        if (res.destroyed) return;
        const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...(a.headers ?? {}) });
        res.end(text);
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get aborted() {
      return state.aborted;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export const fixture = (name: string): string =>
  readFileSync(join(__dirname, '..', '..', '..', '..', 'fixtures', 'remote', name), 'utf8');

/** vLLM prompt_logprobs for a text whose tokens are its code points (id = code point), deterministic. */
export function charVllmBody(text: string, k: number): string {
  const cps = [...text];
  const lp = (cp: number) => -(0.5 + (cp % 13) * 0.37);
  const items = cps.map((ch, i) => {
    if (i === 0) return 'null';
    const id = ch.codePointAt(0) as number;
    const entries = [`"${id}":${JSON.stringify({ logprob: lp(id), rank: 1 + (id % 13), decoded_token: ch })}`];
    for (let r = 1; r <= k; r++) {
      const alt = 0x4e00 + r;
      if (alt !== id)
        entries.push(
          `"${alt}":${JSON.stringify({ logprob: -0.2 * r, rank: r, decoded_token: String.fromCodePoint(alt) })}`,
        );
    }
    return `{${entries.join(',')}}`;
  });
  return `{"id":"cmpl-fake","object":"text_completion","created":0,"model":"fake","choices":[{"index":0,"text":"","logprobs":null,"finish_reason":"length","prompt_logprobs":[${items.join(',')}]}],"usage":{"prompt_tokens":${cps.length},"completion_tokens":0,"total_tokens":${cps.length}}}`;
}

export const fakeModels = (vocab = 0x110000) => ({
  object: 'list',
  data: [{ id: 'fake', object: 'model', owned_by: 'vllm', max_model_len: 4096, vocab_size: vocab }],
});

/** A fake vLLM: character tokens, answers after `delayMs`. */
export function charVllm(delayMs = 0) {
  return (r: FakeRequest): FakeAnswer => {
    if (r.path === '/v1/models') return { body: fakeModels() };
    if (r.path === '/v1/completions' && r.body && typeof r.body.prompt === 'string') {
      return { body: charVllmBody(r.body.prompt, Number(r.body.prompt_logprobs ?? 0)), delayMs };
    }
    return { status: 404, body: { object: 'error', message: 'Not Found', code: 404 } };
  };
}
