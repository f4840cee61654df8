/**
 * `serve`: the local engine behind a vLLM-compatible HTTP API, so the remote engine (and any client of
 * vLLM's prompt_logprobs) can use it. Routes: GET /v1/models, POST /v1/completions (prompt_logprobs,
 * echo + logprobs; prompt as text or token ids), POST /tokenize, GET /health. Bound to 127.0.0.1 by
 * default; errors as vLLM's JSON; close() stops accepting and waits for requests in flight.
 * It scores prompts; it does not generate (max_tokens is accepted, nothing is sampled).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSemanticFlowError, SemanticFlowError } from '../../core/errors';
import { completionBody, errorBody, modelsBody } from './serverBodies';
import { promptIds, scorePrompt, tooLong, type LocalEngine } from './serverScoring';

export interface ServeOptions {
  model: LocalEngine;
  /** Served model name (default: the model's id). */
  modelName?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Most log-probs per position a request may ask (vLLM --max-logprobs; default 20). */
  maxLogprobs?: number;
  /** Passes run at once on the engine (default 2). */
  concurrency?: number;
  /** Require `Authorization: Bearer KEY` (vLLM --api-key). */
  apiKey?: string;
  maxBodyBytes?: number;
  /** One line per request (method, path, status, ms); never bodies or keys. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  /** `param`: the request field at fault, as vLLM names it in its error body. */
  constructor(readonly status: number, message: string, readonly param: string | null = null) { super(message); }
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) { reject(new HttpError(413, `The request body is larger than ${max} bytes.`)); req.destroy(); return; }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** A counting semaphore: at most `n` engine passes at once. */
function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

type Body = Record<string, unknown>;

function onePrompt(body: Body): string | number[] {
  let p = body.prompt;
  if (Array.isArray(p) && p.length === 1 && (typeof p[0] === 'string' || Array.isArray(p[0]))) p = p[0];
  if (typeof p === 'string') return p;
  if (Array.isArray(p) && p.every((x) => typeof x === 'number')) return p as number[];
  if (Array.isArray(p)) throw new HttpError(400, 'This server scores one prompt per request; send the prompts as separate requests.');
  throw new HttpError(400, '`prompt` must be a string or a list of token ids.');
}

function intParam(body: Body, name: string, max: number): number | null {
  const v = body[name];
  if (v === undefined || v === null || v === false) return null;
  if (v === true) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new HttpError(400, `\`${name}\` must be a non-negative whole number.`, name);
  if (v > max) throw new HttpError(400, `Requested ${name === 'prompt_logprobs' ? 'prompt logprobs' : 'logprobs'} of ${v}, which is greater than max allowed: ${max}`, name);
  return v;
}

export function startServer(o: ServeOptions): Promise<RunningServer> {
  const { model } = o;
  const name = o.modelName ?? model.info.id;
  const host = o.host ?? '127.0.0.1';
  const maxLogprobs = o.maxLogprobs ?? 20;
  const created = Math.floor(Date.now() / 1000);
  const run = limiter(o.concurrency ?? 2);
  let seq = 0;

  const checkModel = (body: Body) => {
    if (body.model !== undefined && body.model !== null && body.model !== name) throw new HttpError(404, `The model \`${String(body.model)}\` does not exist.`, 'model');
  };

  async function completions(body: Body, signal: AbortSignal): Promise<string> {
    checkModel(body);
    const prompt = onePrompt(body);
    const promptLogprobs = intParam(body, 'prompt_logprobs', maxLogprobs);
    const echo = body.echo === true;
    const logprobs = intParam(body, 'logprobs', maxLogprobs);
    if (body.stream === true && promptLogprobs !== null) throw new HttpError(400, 'Prompt logprobs are not available when stream is enabled');
    const bos = body.add_special_tokens !== false;
    const k = Math.max(promptLogprobs ?? 0, echo ? logprobs ?? 0 : 0);
    const positions = await run(() => scorePrompt(model, prompt, { topK: k, bos, signal }));
    return completionBody({
      id: `cmpl-sf-${++seq}`, model: name, created: Math.floor(Date.now() / 1000),
      promptText: typeof prompt === 'string' ? prompt : positions.map((p) => model.tokenText(p.id)).join(''),
      positions, tokenText: (id) => model.tokenText(id), promptLogprobs, echo, logprobs, tokensAsIds: body.return_tokens_as_token_ids === true,
    });
  }

  function tokenize(body: Body): string {
    checkModel(body);
    const prompt = onePrompt(body);
    const ids = typeof prompt === 'string' ? promptIds(model, prompt, body.add_special_tokens !== false) : prompt;
    return JSON.stringify({
      count: ids.length, max_model_len: model.info.contextWindow, tokens: ids,
      ...(body.return_token_strs === true ? { token_strs: ids.map((id) => model.tokenText(id)) } : {}),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = Date.now();
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    let status = 200;
    let out: string;
    const abort = new AbortController();
    res.on('close', () => { if (!res.writableFinished) abort.abort(); });
    try {
      if (o.apiKey && req.headers.authorization !== `Bearer ${o.apiKey}`) {
        status = 401;
        out = errorBody(401, 'Unauthorized');
      } else if (req.method === 'GET' && path === '/health') {
        out = '';
      } else if (req.method === 'GET' && path === '/v1/models') {
        out = modelsBody({ model: name, created, maxModelLen: model.info.contextWindow, vocabSize: model.info.vocabSize, maxLogprobs, bosTokenId: model.info.bosTokenId, eosTokenId: model.info.eosTokenId });
      } else if (req.method === 'POST' && (path === '/v1/completions' || path === '/tokenize')) {
        const raw = await readBody(req, o.maxBodyBytes ?? 16 * 1024 * 1024);
        let body: Body;
        try {
          body = JSON.parse(raw) as Body;
        } catch {
          throw new HttpError(400, 'The request body is not JSON.');
        }
        if (typeof body !== 'object' || body === null) throw new HttpError(400, 'The request body must be a JSON object.');
        out = path === '/tokenize' ? tokenize(body) : await completions(body, abort.signal);
      } else {
        status = 404;
        out = errorBody(404, `No route ${req.method} ${path}.`);
      }
    } catch (e) {
      if (e instanceof HttpError) status = e.status;
      else if (isSemanticFlowError(e)) status = e.code === 'cancelled' ? 499 : e.code === 'internal' ? 500 : 400;
      else status = 500;
      const msg = e instanceof Error ? e.message : String(e);
      out = errorBody(status, status === 500 ? `Internal error: ${msg.split('\n')[0]}` : msg, e instanceof HttpError ? e.param : null);
    }
    if (!res.destroyed) {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    }
    o.log?.(`${req.method} ${path} ${status} ${Date.now() - t0} ms`);
  }

  const server: Server = createServer((req, res) => { void handle(req, res); });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE'
        ? new SemanticFlowError('bad-argument', `Port ${o.port} on ${host} is already in use; choose another with --port.`)
        : new SemanticFlowError('internal', `Cannot listen on ${host}:${o.port ?? 0}: ${e.message}`));
    });
    server.listen(o.port ?? 0, host, () => {
      const port = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${port}`,
        port,
        host,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeIdleConnections();
        }),
      });
    });
  });
}
