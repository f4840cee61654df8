/**
 * The real engine (src/worker/main.ts run through tsx in a child process, as the extension runs
 * dist/worker.js) on a real model: test/fixtures/models/tiny-gpt2 when it exists, else the built-in model.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SemanticFlowError } from '../../src/core/errors';
import { packageRoot } from '../../src/engines/builtinModel';
import { spawnEngineProcess } from '../../src/worker/childProcess';
import { WorkerClient, type WorkerLike } from '../../src/worker/client';
import type { EngineConfig, EngineStatus } from '../../src/worker/protocol';

const root = packageRoot(__dirname);
const fixture = join(root, 'test/fixtures/models/tiny-gpt2');
const engine: EngineConfig = existsSync(join(fixture, 'config.json'))
  ? { kind: 'onnx', id: 'tiny-gpt2', modelDir: fixture, device: 'cpu', dtype: 'fp32', threads: 1 }
  : { kind: 'onnx', id: 'semantic-flow-mini', modelDir: null, device: 'cpu', dtype: 'fp32', threads: 1 };

const workers: (WorkerLike & { pid?: number })[] = [];
const client = new WorkerClient({
  spawn: () => {
    const w = spawnEngineProcess(join(root, 'src/worker/main.ts'), { execArgv: ['--import', 'tsx'] });
    workers.push(w);
    return w;
  },
});
const statuses: EngineStatus[] = [];
client.onStatus((s) => statuses.push(s));
after(() => client.dispose());

const TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(6);
const code = (e: unknown): string => (e as SemanticFlowError).code;

test('the worker loads the model once and scores a text with exact spans', async () => {
  const progress: string[] = [];
  const r = await client.request(
    'analyze',
    { engine, text: TEXT, options: { topK: 3, chunkSize: 16 } },
    { onProgress: (p) => progress.push(p.stage) },
  );
  assert.ok(r.tokens.length > 20);
  assert.equal(r.tokens.map((t) => TEXT.slice(t.start, t.end)).join(''), TEXT);
  assert.ok(r.summary.totalBits > 0);
  assert.equal(progress[0], 'load');
  assert.ok(progress.includes('score'));
  const info = await client.request('load', { engine });
  assert.equal(info.id, engine.kind === 'onnx' ? engine.id : '');
  assert.equal(statuses.filter((s) => s.health === 'loading').length, 1, 'one load shared by both requests');
});

test('cancel settles at once and the next request on the same worker succeeds', async () => {
  const ac = new AbortController();
  const long = client.request(
    'analyze',
    { engine, text: TEXT.repeat(4), options: { topK: 3, chunkSize: 4 } },
    {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.stage === 'score' && p.done >= 8) ac.abort();
      },
    },
  );
  await assert.rejects(long, (e) => code(e) === 'cancelled');
  const r = await client.request('analyze', { engine, text: 'Hello world', options: { topK: 1 } });
  assert.ok(r.tokens.length >= 2);
  assert.equal(workers.length, 1);
});

test('an engine process killed mid-analysis rejects everything pending, the host survives, and the next request starts a new one', async () => {
  let killed = false;
  const killMidway = (): void => {
    if (killed) return;
    killed = true;
    process.kill(workers[0].pid!, 'SIGKILL'); // from outside, as a native crash would end it
  };
  const pending = [
    client.request(
      'analyze',
      { engine, text: TEXT.repeat(8), options: { topK: 3, chunkSize: 4 } },
      {
        onProgress: (p) => {
          if (p.stage === 'score' && p.done > 0 && p.done < p.total) killMidway();
        },
      },
    ),
    client.request('analyze', { engine, text: TEXT, options: { topK: 3 } }),
  ];
  for (const p of pending)
    await assert.rejects(p, (e) => code(e) === 'internal' && /stopped unexpectedly/.test((e as Error).message));
  assert.ok(killed, 'the process was killed while it was scoring');
  assert.equal(statuses.at(-1)?.health, 'error');
  const r = await client.request('analyze', { engine, text: 'Hello again', options: { topK: 1 } });
  assert.ok(r.tokens.length >= 2);
  assert.equal(workers.length, 2);
});

test('live mode: a re-analysis of an edited document reuses the unchanged prefix and equals a fresh one', async () => {
  const source = { uri: 'file:///live.md', version: 1, offset: 0 };
  const before = 'The river carried the old boat past the mill, where the miller waved at the children. '.repeat(2);
  const after = before.replace(/children\. $/, 'children on the bank. ');
  const first = await client.request('analyze', {
    engine,
    text: before,
    source,
    options: { topK: 3, reusePrefix: true },
  });
  assert.equal(first.options?.reusedPrefixTokens, undefined);
  const edited = await client.request('analyze', {
    engine,
    text: after,
    source: { ...source, version: 2 },
    options: { topK: 3, reusePrefix: true },
  });
  const fresh = await client.request('analyze', { engine, text: after, options: { topK: 3 } });
  const changedFrom = fresh.tokens.findIndex((t, i) => t.id !== first.tokens[i]?.id);
  assert.equal(edited.options?.reusedPrefixTokens, changedFrom);
  assert.ok(changedFrom > fresh.tokens.length / 2);
  edited.tokens.forEach((t, i) =>
    assert.ok(Math.abs((t.surprisalBits ?? 0) - (fresh.tokens[i].surprisalBits ?? 0)) < 1e-4, `token ${i}`),
  );
  // Another document does not see this one's cache.
  const other = await client.request('analyze', {
    engine,
    text: after,
    source: { ...source, uri: 'file:///other.md' },
    options: { topK: 3, reusePrefix: true },
  });
  assert.equal(other.options?.reusedPrefixTokens, undefined);
});

test('rate–distortion and dialogue through the engine process: the model reloads as fp32 for the reference; a chat template lays out the turns', async () => {
  const dtypes: EngineConfig = {
    kind: 'onnx',
    id: 'tiny-gpt2-dtypes',
    modelDir: join(root, 'test/fixtures/models/tiny-gpt2-dtypes'),
    device: 'cpu',
    dtype: 'q8',
    threads: 1,
  };
  const source = { uri: 'file:///rd.md', version: 3, offset: 10 };
  const rd = await client.request('rateDistortion', {
    engine: dtypes,
    text: TEXT,
    source,
    options: { topK: 2, resamples: 50 },
  });
  assert.equal(rd.model.dtype, 'fp32');
  assert.deepEqual(rd.source, source);
  const points = rd.rateDistortion!.points;
  assert.deepEqual(
    points.map((p) => p.variant),
    ['q4', 'fp16', 'q8', 'fp32'],
  );
  assert.equal(points[3].meanKlBits, 0);
  assert.ok(points[0].meanKlBits > points[1].meanKlBits);
  // dialogue: the fixture's tokenizer with a template written for the test
  const chat = mkdtempSync(join(tmpdir(), 'sf-worker-chat-'));
  cpSync(fixture, chat, { recursive: true });
  const cfg = join(chat, 'tokenizer_config.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      ...JSON.parse(readFileSync(cfg, 'utf8')),
      chat_template: '{% for m in messages %}<|endoftext|>{{ m.role }}\n{{ m.content }}\n{% endfor %}',
    }),
  );
  const messages = [
    { role: 'user', content: 'Hello there.' },
    { role: 'assistant', content: 'Hello to you.' },
    { role: 'user', content: 'Bye.' },
  ];
  const d = (
    await client.request('dialogue', {
      engine: { ...engine, id: 'chat', modelDir: chat } as EngineConfig,
      messages,
      options: { topK: 1 },
    })
  ).dialogue!;
  assert.deepEqual(
    d.turns.map((t) => t.role),
    ['user', 'assistant', 'user'],
  );
  assert.ok(Math.abs(d.conservation.gapBits) < 1e-9 && d.conservation.exact);
});
