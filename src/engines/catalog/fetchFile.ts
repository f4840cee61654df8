/**
 * One file over HTTP into `<dest>.part`, renamed to `dest` once its size matches what the server
 * announced. An existing `.part` is resumed with a Range request: 206 appends, 200 (the server ignored
 * the range) starts over, 416 means the part is already whole (or stale). The part's ETag is kept beside
 * it (`<dest>.part.etag`) and sent as If-Range, so a file that changed upstream since (a new commit)
 * comes whole instead of its tail being appended to the old head. Redirects are followed here, not by
 * fetch, so that the Hub's sha256 of a large file (X-Linked-Etag on its redirect: hubChecksum.ts) is seen;
 * a finished file with one is read back (with progress, cancellable) and compared before it is renamed. Others
 * are size-checked only.
 */
import { open, readFile, rename, stat, unlink, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SemanticFlowError } from '../../core/errors';
import {
  checksumMismatch,
  httpStatus,
  interrupted,
  networkReason,
  unreachable,
  type FileContext,
} from './downloadErrors';
import { getFollowing, sha256OfFile } from './hubChecksum';

export interface FetchFileOptions {
  url: string;
  dest: string;
  ctx: FileContext;
  fetchImpl: typeof fetch;
  signal?: AbortSignal;
  /** Abort when no byte arrives for this long (default 60 s). */
  stallTimeoutMs?: number;
  /** Bytes of this file on disk so far and its size when known; `loaded` never decreases. */
  onBytes?: (loaded: number, total: number | null) => void;
  /** Bytes of the finished file read back for its sha256 so far, of `total` (only a file the server gave one for). */
  onVerify?: (hashed: number, total: number) => void;
}

export type FetchFileResult = { status: 'done'; bytes: number } | { status: 'not-found' };

/** Signals a user abort inside this module; the caller turns it into one `cancelled` error. */
export class DownloadAborted extends Error {}

const partOf = (dest: string) => `${dest}.part`;
const etagOf = (dest: string) => `${dest}.part.etag`;

/** The files a download of `dest` keeps while it is incomplete. */
export const partialFilesOf = (dest: string): string[] => [partOf(dest), etagOf(dest)];

/** A strong ETag (If-Range takes no weak one), or null. */
function strongEtag(res: Response): string | null {
  const tag = res.headers.get('etag');
  return tag && !tag.startsWith('W/') ? tag : null;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** `bytes a-b/total` or `bytes *\/total` → its parts (null where absent). */
export function parseContentRange(h: string | null): { start: number | null; total: number | null } {
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(h?.trim() ?? '');
  if (!m) return { start: null, total: null };
  return { start: m[1] === undefined ? null : Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

/** Renames a whole part to `dest` once its sha256, when the server gave one, matches; else removes it. */
async function finish(o: FetchFileOptions, part: string, sha256: string | null): Promise<void> {
  if (sha256) {
    const total = await sizeOf(part);
    let got: string;
    try {
      got = await sha256OfFile(part, { signal: o.signal, onBytes: (n) => o.onVerify?.(n, total) });
    } catch (e) {
      // Cancelled while hashing: the whole part stays as a download's cancel leaves it (a resume gets 416 and hashes again).
      if (o.signal?.aborted) throw new DownloadAborted();
      throw e;
    }
    if (got !== sha256) {
      for (const f of partialFilesOf(o.dest)) await unlink(f).catch(() => {});
      throw checksumMismatch(o.ctx, sha256, got);
    }
  }
  await rename(part, o.dest);
  await unlink(etagOf(o.dest)).catch(() => {});
}

/** Content-Length of an unencoded body (an encoded one is decoded by fetch, so its length differs). */
function bodyLength(res: Response): number | null {
  const enc = res.headers.get('content-encoding');
  if (enc && enc !== 'identity') return null;
  const n = Number(res.headers.get('content-length') ?? NaN);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

export async function fetchFile(o: FetchFileOptions, retryFromZero = true): Promise<FetchFileResult> {
  const part = partOf(o.dest);
  await mkdir(dirname(o.dest), { recursive: true });
  const have = await sizeOf(part);
  const stall = new AbortController();
  const stallMs = o.stallTimeoutMs ?? 60_000;
  let timer = setTimeout(() => stall.abort(), stallMs);
  const kick = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), stallMs);
  };
  const signal = o.signal ? AbortSignal.any([o.signal, stall.signal]) : stall.signal;
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    const tag = await readFile(etagOf(o.dest), 'utf8').catch(() => null);
    if (tag) headers['if-range'] = tag;
  }
  try {
    let res: Response, sha256: string | null;
    try {
      ({ res, sha256 } = await getFollowing(o.fetchImpl, o.url, { headers, signal }));
    } catch (e) {
      if (o.signal?.aborted) throw new DownloadAborted();
      if (stall.signal.aborted) throw interrupted(o.ctx, have, null, `no answer within ${stallMs / 1000} s`, e);
      throw unreachable(o.ctx, e);
    }
    const restart = async () => {
      await res.body?.cancel().catch(() => {});
      for (const f of partialFilesOf(o.dest)) await unlink(f).catch(() => {});
      if (!retryFromZero)
        throw new SemanticFlowError(
          'server-error',
          `${o.ctx.host} answered a resume request for ${o.ctx.file} of ${o.ctx.id} inconsistently; delete ${part} and try again.`,
        );
      clearTimeout(timer);
      return fetchFile(o, false);
    };
    if (res.status === 416 && have > 0) {
      const { total } = parseContentRange(res.headers.get('content-range'));
      if (total !== have) return await restart();
      await res.body?.cancel().catch(() => {});
      o.onBytes?.(have, have);
      await finish(o, part, sha256);
      return { status: 'done', bytes: have };
    }
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      return { status: 'not-found' };
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel().catch(() => {});
      throw httpStatus(o.ctx, res.status);
    }
    let start = 0;
    let total = bodyLength(res);
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get('content-range'));
      if (have === 0 || range.start !== have) return await restart();
      start = have;
      total = range.total ?? (total === null ? null : have + total);
    } else {
      const tag = strongEtag(res);
      if (tag) await writeFile(etagOf(o.dest), tag);
      else await unlink(etagOf(o.dest)).catch(() => {});
    }
    const bytes = await writeBody(o, res, part, start, total, kick, stall.signal, stallMs);
    clearTimeout(timer); // reading the file back for its checksum is no stall
    await finish(o, part, sha256);
    return { status: 'done', bytes };
  } finally {
    clearTimeout(timer);
  }
}

async function writeBody(
  o: FetchFileOptions,
  res: Response,
  part: string,
  start: number,
  total: number | null,
  kick: () => void,
  stalled: AbortSignal,
  stallMs: number,
): Promise<number> {
  const fh = await open(part, start === 0 ? 'w' : 'a');
  let written = start;
  o.onBytes?.(written, total);
  try {
    const reader = res.body?.getReader();
    for (;;) {
      const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
      if (chunk.done) break;
      kick();
      await fh.write(chunk.value);
      written += chunk.value.byteLength;
      o.onBytes?.(written, total);
    }
  } catch (e) {
    if (o.signal?.aborted) throw new DownloadAborted();
    if (stalled.aborted) throw interrupted(o.ctx, written, total, `no data for ${stallMs / 1000} s`, e);
    throw interrupted(o.ctx, written, total, `connection lost: ${networkReason(e)}`, e);
  } finally {
    await fh.close();
  }
  if (total !== null && written < total)
    throw interrupted(o.ctx, written, total, 'the server closed the connection early');
  if (total !== null && written > total) {
    await unlink(part).catch(() => {});
    throw new SemanticFlowError(
      'model-corrupt',
      `${o.ctx.host} sent ${written} bytes for ${o.ctx.file} of ${o.ctx.id}, more than the ${total} it announced; the partial file was removed, run the download again.`,
    );
  }
  return written;
}
