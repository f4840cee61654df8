/**
 * `serve`: the local engine behind a vLLM-compatible HTTP API, so the remote engine (and any client of
 * vLLM) can use it. Routes: GET /v1/models, POST /v1/completions (prompt_logprobs, echo + logprobs,
 * generation with logprobs, streamed as server-sent events when `stream`; prompt as text or token ids),
 * POST /tokenize, GET /health. Bound to 127.0.0.1 by default; errors in vLLM's shape; a client that goes
 * away cancels its request; close() stops accepting and waits for requests in flight.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';
import { isSemanticFlowError, SemanticFlowError } from '../../core/errors';
import {
  choiceContent,
  codePointIndex,
  completionBody,
  errorBody,
  modelsBody,
  streamChunk,
  usageChunk,
} from './serverBodies';
import {
  checkModel,
  completionRequest,
  HttpError,
  onePrompt,
  type Body,
  type CompletionRequest,
} from './serverRequest';
import { inProcessEngine, type ServeEngine } from './serveEngine';
import type { CompletionToken } from './serverGeneration';
import { tooLong, type LocalEngine, type ScoredPosition } from './serverScoring';

interface ServeCommon {
  /** Served model name (default: the model's id). */
  modelName?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Most log-probs per position a request may ask (vLLM --max-logprobs; default 20). */
  maxLogprobs?: number;
  /** Require `Authorization: Bearer KEY` (vLLM --api-key). */
  apiKey?: string;
  maxBodyBytes?: number;
  /** One line per request (method, path, status, ms, tokens); never bodies or keys. */
  log?: (line: string) => void;
}

/** The engine to serve, or a model to run in this process (`concurrency` jobs at once, default 2). */
export type ServeOptions = ServeCommon & ({ engine: ServeEngine } | { model: LocalEngine; concurrency?: number });

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

/** How much of a too-large body is still read (and dropped) so that its sender sees the 413, as a multiple of the limit. */
const DRAIN_FACTOR = 8;

const tooLarge = (max: number) => new HttpError(413, `The request body is larger than ${max} bytes.`);

/**
 * The body as text, at most `max` bytes kept. A larger body is read to its end and dropped: a client
 * sends the whole body before it reads the answer, so answering (or closing) early would reach it as a
 * connection reset instead of the 413. Past DRAIN_FACTOR × max the connection is closed.
 */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= max) parts.push(c);
      else if (n > max * DRAIN_FACTOR) req.destroy();
    });
    req.on('end', () => (n > max ? reject(tooLarge(max)) : resolve(Buffer.concat(parts).toString('utf8'))));
    req.on('close', () => {
      if (!req.complete) reject(n > max ? tooLarge(max) : new HttpError(400, 'The request body ended early.'));
    });
    req.on('error', reject);
  });
}

/** The HTTP status of an error thrown while answering. */
function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (isSemanticFlowError(e)) return e.code === 'cancelled' ? 499 : e.code === 'internal' ? 500 : 400;
  return 500;
}

function errorOf(e: unknown): { status: number; body: string } {
  const status = statusOf(e);
  const msg = e instanceof Error ? e.message : String(e);
  return {
    status,
    body: errorBody(
      status,
      status === 500 ? `Internal error: ${msg.split('\n')[0]}` : msg,
      e instanceof HttpError ? e.param : null,
    ),
  };
}

export function startServer(o: ServeOptions): Promise<RunningServer> {
  const engine = 'engine' in o ? o.engine : inProcessEngine(o.model, o.concurrency ?? 2);
  const name = o.modelName ?? engine.info.id;
  const host = o.host ?? '127.0.0.1';
  const maxLogprobs = o.maxLogprobs ?? 20;
  const created = Math.floor(Date.now() / 1000);
  const limits = { model: name, maxLogprobs, randomSeed: () => randomInt(2 ** 31) };
  let seq = 0;

  /** Refuses a prompt that is surely over the context window, counting its tokens from its bytes (before any tokenizing). */
  function checkLength(prompt: string | number[], bos: boolean): void {
    const n =
      typeof prompt === 'string'
        ? Math.ceil(Buffer.byteLength(prompt, 'utf8') / engine.textBytesPerToken) +
          (bos && engine.info.bosTokenId !== null ? 1 : 0)
        : prompt.length;
    const long = tooLong(engine.info.contextWindow, n, typeof prompt === 'string');
    if (long) throw new HttpError(400, long.message, 'prompt');
  }

  async function complete(r: CompletionRequest, signal: AbortSignal): Promise<string> {
    const outcome = await engine.complete(r.job, () => undefined, signal);
    return completionBody({
      id: `cmpl-sf-${++seq}`,
      model: name,
      created: Math.floor(Date.now() / 1000),
      request: r,
      outcome,
    });
  }

  /**
   * Streams the completion as server-sent events: the echoed prompt rides with the first token, then one
   * chunk per token. The stream opens with the job's first event, so a request refused before it (the
   * exact context length, bad token ids) gets its HTTP error status, as vLLM's does.
   */
  async function stream(r: CompletionRequest, res: ServerResponse, signal: AbortSignal): Promise<{ tokens: number }> {
    const head = { id: `cmpl-sf-${++seq}`, model: name, created: Math.floor(Date.now() / 1000) };
    const open = () => {
      if (!res.headersSent)
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
    };
    let prompt: { text: string; positions: ScoredPosition[] } = { text: '', positions: [] };
    let echoed = !r.echo,
      tokens = 0;
    const from = { generated: 0, sentChars: 0 };
    const send = (tokens: CompletionToken[], finishReason?: string | null, stopReason?: string | number | null) => {
      const lead = echoed
        ? { echo: false, text: '', positions: [] }
        : { echo: true, text: prompt.text, positions: prompt.positions };
      const delta = tokens.map((t) => t.delta).join('');
      const c = choiceContent({ ...r, echo: lead.echo }, lead.text, lead.positions, tokens, delta, from);
      echoed = true;
      from.generated += delta.length;
      from.sentChars += codePointIndex(c.text)[c.text.length];
      open();
      res.write(streamChunk(head, { ...c, finishReason, stopReason }));
    };
    try {
      const outcome = await engine.complete(
        r.job,
        (e) => {
          open();
          if (e.kind === 'prompt') prompt = { text: e.promptText, positions: e.positions };
          else {
            tokens++;
            send([e.token], e.token.finishReason, e.token.stopReason);
          }
        },
        signal,
      );
      if (outcome.tokens.length === 0) send([], outcome.finishReason, outcome.stopReason);
      if (r.includeUsage) res.write(usageChunk(head, outcome.promptIds.length, outcome.tokens.length));
    } catch (e) {
      if (signal.aborted) return { tokens };
      if (!res.headersSent) throw e;
      res.write(`data: ${errorOf(e).body}\n\n`);
    }
    res.end('data: [DONE]\n\n');
    return { tokens };
  }

  async function tokenize(body: Body, signal: AbortSignal): Promise<string> {
    checkModel(body, name);
    const prompt = onePrompt(body);
    checkLength(prompt, body.add_special_tokens !== false);
    const t =
      typeof prompt === 'string'
        ? await engine.tokenize(prompt, body.add_special_tokens !== false, signal)
        : { ids: prompt, texts: null };
    return JSON.stringify({
      count: t.ids.length,
      max_model_len: engine.info.contextWindow,
      tokens: t.ids,
      ...(body.return_token_strs === true && t.texts ? { token_strs: t.texts } : {}),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = Date.now();
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    let status = 200;
    let out: string | null = null;
    let note = '';
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      if (o.apiKey && req.headers.authorization !== `Bearer ${o.apiKey}`) {
        status = 401;
        out = errorBody(401, 'Unauthorized');
      } else if (req.method === 'GET' && path === '/health') {
        out = '';
      } else if (req.method === 'GET' && path === '/v1/models') {
        const i = engine.info;
        out = modelsBody({
          model: name,
          created,
          maxModelLen: i.contextWindow,
          vocabSize: i.vocabSize,
          maxLogprobs,
          bosTokenId: i.bosTokenId,
          eosTokenId: i.eosTokenId,
        });
      } else if (req.method === 'POST' && (path === '/v1/completions' || path === '/tokenize')) {
        const raw = await readBody(req, maxBody);
        let body: Body;
        try {
          body = JSON.parse(raw) as Body;
        } catch {
          throw new HttpError(400, 'The request body is not JSON.');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw new HttpError(400, 'The request body must be a JSON object.');
        if (path === '/tokenize') out = await tokenize(body, abort.signal);
        else {
          const r = completionRequest(body, limits);
          checkLength(r.job.prompt, r.job.bos);
          if (r.stream) {
            const { tokens } = await stream(r, res, abort.signal);
            [status, note] = abort.signal.aborted
              ? [499, ', client gone: stopped']
              : [200, `, ${tokens} tokens streamed`];
          } else out = await complete(r, abort.signal);
        }
      } else {
        status = 404;
        out = errorBody(404, `No route ${req.method} ${path}.`);
      }
    } catch (e) {
      ({ status, body: out } = errorOf(e));
    }
    if (out !== null && !res.destroyed && !res.headersSent) {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    }
    o.log?.(`${req.method} ${path} ${status} ${Date.now() - t0} ms${note}`);
  }

  const maxBody = o.maxBodyBytes ?? 16 * 1024 * 1024;
  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  // `Expect: 100-continue` (curl, for large bodies): a body declared too large is refused before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) <= maxBody) {
      res.writeContinue();
      void handle(req, res);
      return;
    }
    const out = errorBody(413, tooLarge(maxBody).message);
    res.writeHead(413, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(out),
      connection: 'close',
    });
    res.end(out);
    o.log?.(`${req.method} ${req.url} 413 0 ms, body not sent`);
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new SemanticFlowError(
              'bad-argument',
              `Port ${o.port} on ${host} is already in use; choose another with --port.`,
            )
          : new SemanticFlowError('internal', `Cannot listen on ${host}:${o.port ?? 0}: ${e.message}`),
      );
    });
    server.listen(o.port ?? 0, host, () => {
      const port = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${port}`,
        port,
        host,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
