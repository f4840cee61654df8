/**
 * The Hub's checksum of a large file: for an LFS (or Xet) file, its answer to `resolve/…` carries
 * `X-Linked-Etag`, the quoted sha256 of the file's bytes (on the redirect to the CDN, whose own ETag
 * need not be a sha256). A finished download is read back once and compared, so a file damaged on the
 * way, or spliced from two versions, never becomes a model file. Small git files carry no sha256 (their
 * ETag is a git hash) and stay size-checked.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The sha256 in a response's X-Linked-Etag (lower-case hex), or null when it carries none. */
export function linkedSha256(res: Response): string | null {
  const m = /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(res.headers.get('x-linked-etag')?.trim() ?? '');
  return m ? m[1].toLowerCase() : null;
}

const MAX_REDIRECTS = 10;

/** A GET that follows redirects itself, keeping the first X-Linked-Etag sha256 along the way. */
export async function getFollowing(
  fetchImpl: typeof fetch,
  start: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
): Promise<{ res: Response; sha256: string | null }> {
  let url = start,
    sha256: string | null = null;
  for (let hop = 0; ; hop++) {
    const res = await fetchImpl(url, { ...init, redirect: 'manual' });
    sha256 ??= linkedSha256(res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location || hop === MAX_REDIRECTS) return { res, sha256 };
    await res.body?.cancel().catch(() => {});
    url = new URL(location, url).href;
  }
}

/**
 * The sha256 of a file's bytes, read in a stream (lower-case hex). `onBytes` hears the bytes hashed so far
 * after each chunk (a 1.5 GB file takes seconds); an abort of `signal` stops the read between chunks and
 * rejects with the signal's reason.
 */
export async function sha256OfFile(
  path: string,
  o: { signal?: AbortSignal; onBytes?: (hashed: number) => void } = {},
): Promise<string> {
  const hash = createHash('sha256');
  let hashed = 0;
  o.signal?.throwIfAborted();
  o.onBytes?.(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 2 ** 20, signal: o.signal })) {
    hash.update(chunk as Buffer);
    hashed += (chunk as Buffer).byteLength;
    o.onBytes?.(hashed);
    o.signal?.throwIfAborted();
  }
  return hash.digest('hex');
}
