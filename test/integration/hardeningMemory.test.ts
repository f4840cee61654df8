/**
 * Hardening, resources: memory stays bounded across 100 analyses in one process. A child process
 * (node --expose-gc) loads the tiny fixture model once, analyses a 500-token text 100 times, and
 * reports heap and RSS after forced GC at analysis 10 and at analysis 100; the growth in between must
 * stay far below what keeping even a fraction of the results or caches would add.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const MB = 1024 * 1024;

test('100 analyses in one process: heap and RSS after 100 are within a generous bound of those after 10', {
  timeout: 60_000,
}, (t) => {
  const out = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      join(root, 'test/helpers/memoryLoop.ts'),
      join(root, 'test/fixtures/models/tiny-gpt2'),
      '100',
      '10',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 55_000,
    },
  );
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
    gc: boolean;
    tokens: number;
    afterWarm: Record<string, number>;
    end: Record<string, number>;
  };
  assert.equal(r.gc, true, 'GC was forced');
  assert.ok(r.tokens > 400);
  const heap = (r.end.heap - r.afterWarm.heap) / MB,
    rss = (r.end.rss - r.afterWarm.rss) / MB,
    ext = (r.end.external - r.afterWarm.external) / MB;
  t.diagnostic(
    `growth from analysis 10 to 100: heap ${heap.toFixed(2)} MB, external ${ext.toFixed(2)} MB, rss ${rss.toFixed(1)} MB`,
  );
  assert.ok(heap < 4, `heap grew ${heap.toFixed(2)} MB over 90 analyses`);
  assert.ok(ext < 4, `external memory grew ${ext.toFixed(2)} MB over 90 analyses`);
  assert.ok(rss < 64, `RSS grew ${rss.toFixed(1)} MB over 90 analyses`);
});
