/**
 * HTTP to an inference server: one JSON request with a per-request timeout, retries with exponential
 * backoff on 429/5xx (Retry-After honoured), cancellation through an AbortSignal that aborts the
 * request in flight, and errors that name the URL but never the API key.
 */
import { SemanticFlowError } from '../../core/errors';

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_RETRIES = 3;

export interface HttpOptions {
  /** Sent as `Authorization: Bearer …`; never logged, never part of an error. */
  apiKey?: string;
  /** Per-request timeout (default 120 s). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and dropped connections (default 3). */
  retries?: number;
  /** First backoff delay; doubles each retry (default 500 ms), at most maxBackoffMs (default 20 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Called before each retry (CLI notices). */
  onRetry?: (r: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface HttpResponse {
  status: number;
  text: string;
  url: string;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** The server took the connection and then closed it (a crash or restart mid-request). */
const DROPPED = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);

/** The URL as shown to the user: no credentials, no query. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Seconds or an HTTP date → milliseconds, or null. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const s = Number(header.trim());
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(header);
  return Number.isNaN(d) ? null : Math.max(0, d - now);
}

/** The innermost message of a fetch failure ("bad port", "getaddrinfo ENOTFOUND x"), not "fetch failed". */
function networkMessage(e: unknown): string {
  let c: unknown = e;
  for (let i = 0; i < 4 && (c as { cause?: unknown })?.cause; i++) c = (c as { cause: unknown }).cause;
  const m = (c as { message?: unknown })?.message;
  return typeof m === 'string' && m ? m : String(e);
}

function networkCode(e: unknown): string | null {
  let c: unknown = (e as { cause?: unknown })?.cause ?? e;
  for (let i = 0; i < 3 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errs = (c as { errors?: unknown[] }).errors;
    c = Array.isArray(errs) ? errs[0] : (c as { cause?: unknown }).cause;
  }
  return null;
}

const cancelled = () => new SemanticFlowError('cancelled', 'The analysis was cancelled.');

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class RemoteHttp {
  readonly baseUrl: string;
  private reachable = false;
  constructor(
    baseUrl: string,
    private readonly o: HttpOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Removes the API key from text that came from elsewhere (a server echoing headers). */
  scrub(text: string): string {
    return this.o.apiKey ? text.split(this.o.apiKey).join('***') : text;
  }

  /**
   * Sends one request; retries what is worth retrying and returns any other answer (4xx included)
   * for the caller to classify. Throws `server-unreachable`, `server-error` or `cancelled`.
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<HttpResponse> {
    const url = this.baseUrl + path;
    const shown = displayUrl(url);
    const retries = this.o.retries ?? DEFAULT_RETRIES;
    const timeoutMs = opts.timeoutMs ?? this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      if (opts.signal?.aborted) throw cancelled();
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), timeoutMs);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
      let reason: string;
      let delay: number | null = null;
      let answered = false; // the status line and headers of this attempt arrived
      try {
        const res = await fetch(url, { method, headers, body: payload, signal });
        answered = true;
        const text = await res.text();
        this.reachable = true;
        if (!RETRY_STATUS.has(res.status)) return { status: res.status, text, url };
        reason = `HTTP ${res.status}`;
        delay = retryAfterMs(res.headers.get('retry-after'));
        if (attempt >= retries) {
          throw new SemanticFlowError(
            'server-error',
            `The server at ${shown} answered ${reason} ${this.scrub(serverMessage(text)).slice(0, 200)} after ${attempt + 1} attempts; try again later or lower --concurrency.`.replace(
              /\s+/g,
              ' ',
            ),
          );
        }
      } catch (e) {
        if (e instanceof SemanticFlowError) throw e;
        if (opts.signal?.aborted) throw cancelled();
        const code = networkCode(e);
        const dropped = answered || (code !== null && DROPPED.has(code));
        if (timeout.signal.aborted) reason = `no answer within ${Math.round(timeoutMs / 100) / 10} s`;
        else if (dropped) reason = `connection closed ${answered ? 'in the middle of the answer' : 'before an answer'}`;
        else reason = code ?? networkMessage(e);
        // Never reached: fail at once (a wrong URL should not sit through backoff). Once reached, a
        // dropped or refused connection (a restart) is retried like a 503.
        const unreachable =
          !timeout.signal.aborted && !answered && !this.reachable && (code === null || UNREACHABLE.has(code));
        if (unreachable || attempt >= retries) {
          if (timeout.signal.aborted) {
            throw new SemanticFlowError(
              'server-error',
              `The server at ${shown} gave ${reason} (${attempt + 1} attempts); raise --timeout or send shorter texts.`,
            );
          }
          if (dropped) {
            throw new SemanticFlowError(
              'server-error',
              `The server at ${shown} closed the connection ${answered ? 'in the middle of its answer' : 'without answering'} (${attempt + 1} attempts); check the server's log.`,
            );
          }
          throw new SemanticFlowError(
            'server-unreachable',
            `Cannot reach the server at ${shown} (${reason}); check --endpoint and that the server is running.`,
          );
        }
      } finally {
        clearTimeout(timer);
      }
      const backoff = Math.min(this.o.maxBackoffMs ?? 20_000, (this.o.backoffMs ?? 500) * 2 ** attempt);
      const wait = delay !== null ? Math.min(delay, 120_000) : backoff * (0.75 + 0.5 * Math.random());
      this.o.onRetry?.({ attempt: attempt + 1, delayMs: wait, reason });
      await abortableSleep(wait, opts.signal);
    }
  }
}

/** The human message inside an error body (OpenAI/vLLM `{message}` or `{error:{message}}`, FastAPI `detail`, TGI `error`). */
export function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const e = j.error as unknown;
    if (typeof j.message === 'string') return j.message;
    if (typeof e === 'string') return e;
    if (e && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof j.detail === 'string') return j.detail;
    if (Array.isArray(j.detail))
      return j.detail.map((d) => (d as { msg?: string }).msg ?? JSON.stringify(d)).join('; ');
  } catch {
    /* not JSON */
  }
  return text.trim().slice(0, 300);
}
