/**
 * Reading a finished download back for its sha256 (hubChecksum.ts sha256OfFile) on a generated file of
 * several read chunks: progress names the bytes hashed after each chunk, and an abort stops the read at
 * the next chunk with the signal's reason instead of hashing the rest.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256OfFile } from '../../../src/engines/catalog/hubChecksum';

const CHUNK = 4 * 2 ** 20; // the read size of sha256OfFile
const SIZE = 2 * CHUNK + 12_345; // three chunks, the last one short
const dir = mkdtempSync(join(tmpdir(), 'sf-sha256-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bytes = randomBytes(SIZE);
const file = join(dir, 'model.onnx_data');
writeFileSync(file, bytes);

test('progress: 0, then the bytes hashed after each 4 MiB chunk up to the file size; the digest is the sha256 of the bytes', async () => {
  const seen: number[] = [];
  const got = await sha256OfFile(file, { onBytes: (n) => seen.push(n) });
  assert.equal(got, createHash('sha256').update(bytes).digest('hex'));
  assert.deepEqual(seen, [0, CHUNK, 2 * CHUNK, SIZE]);
});

test('an abort after the first chunk rejects with the signal reason, and no later chunk is hashed', async () => {
  const ac = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    sha256OfFile(file, {
      signal: ac.signal,
      onBytes: (n) => {
        seen.push(n);
        if (n >= CHUNK) ac.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.deepEqual(seen, [0, CHUNK]);
});

test('a signal aborted before the start rejects at once, before any progress', async () => {
  const seen: number[] = [];
  await assert.rejects(sha256OfFile(file, { signal: AbortSignal.abort(), onBytes: (n) => seen.push(n) }), {
    name: 'AbortError',
  });
  assert.deepEqual(seen, []);
});
