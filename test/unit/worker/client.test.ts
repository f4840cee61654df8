/** WorkerClient + Dispatcher over a real MessageChannel: settling, cancelling, superseding, crashing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SemanticFlowError } from '../../../src/core/errors';
import type { AnalysisResult } from '../../../src/core/result';
import { WorkerClient } from '../../../src/worker/client';
import type { Handlers, HandlerContext } from '../../../src/worker/dispatcher';
import type { AnalyzeParams, EngineStatus } from '../../../src/worker/protocol';
import { channelWorker, type ChannelWorker } from './channelWorker';
import { FAKE_ENGINE, fakeLanguageModel } from './fakeEngine';

const model = fakeLanguageModel();

/** Handlers whose analyze waits `delay:N` ms (or until aborted for `hang`) and records concurrency. */
function scriptedHandlers(log: { active: number; maxActive: number; started: string[]; aborted: string[] }): Handlers {
  const fail = async (): Promise<never> => {
    throw new Error('not used');
  };
  return {
    load: async () => model.info,
    unload: async () => null,
    async analyze(p: AnalyzeParams, ctx: HandlerContext): Promise<AnalysisResult> {
      log.active++;
      log.maxActive = Math.max(log.maxActive, log.active);
      log.started.push(p.text);
      try {
        const ms = /delay:(\d+)/.exec(p.text)?.[1];
        if (p.text.startsWith('hang')) {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
          log.aborted.push(p.text);
          throw new SemanticFlowError('cancelled', 'stopped');
        }
        if (p.text.startsWith('boom')) throw new TypeError('a bug in a handler');
        if (ms) await sleep(Number(ms));
        ctx.progress({ stage: 'score', done: 1, total: 1, unit: 'tokens' });
        return model.analyze('abc', { source: p.source });
      } finally {
        log.active--;
      }
    },
    di: fail,
    flow: fail,
    generate: fail,
    compare: fail,
    download: fail,
    dialogue: fail,
    rateDistortion: fail,
    serveLoad: fail,
    serveTokenize: fail,
    serveComplete: fail,
  };
}

function setup() {
  const log = { active: 0, maxActive: 0, started: [] as string[], aborted: [] as string[] };
  const workers: ChannelWorker[] = [];
  const client = new WorkerClient({
    spawn: () => {
      const w = channelWorker(scriptedHandlers(log));
      workers.push(w);
      return w;
    },
  });
  const statuses: EngineStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  const analyze = (text: string, opts: Parameters<WorkerClient['request']>[2] = {}, uri?: string) =>
    client.request(
      'analyze',
      { engine: FAKE_ENGINE, text, options: { topK: 3 }, ...(uri ? { source: { uri, version: 1, offset: 0 } } : {}) },
      opts,
    );
  return { client, log, workers, statuses, analyze };
}

/** Polls until `cond` holds (events cross a MessageChannel asynchronously); no fixed sleeps. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(1);
}

const code = (e: unknown): string => (e as SemanticFlowError).code;

test('a request resolves with the handler result and streams its progress; the worker starts lazily', async () => {
  const { client, workers, analyze } = setup();
  assert.equal(workers.length, 0, 'nothing is spawned before the first request');
  const progress: unknown[] = [];
  const r = await analyze('delay:1', { onProgress: (p) => progress.push(p) });
  assert.equal(r.tokens.length, 3);
  assert.deepEqual(progress, [{ stage: 'score', done: 1, total: 1, unit: 'tokens' }]);
  assert.equal(workers.length, 1);
  assert.equal(workers[0].received[0].kind === 'request' && workers[0].received[0].method, 'hello', 'hello goes first');
  assert.equal(client.pendingCount, 0);
  await client.dispose();
});

test('aborting settles the promise at once as cancelled, tells the worker, and the queue moves on', async () => {
  const { client, log, workers, analyze } = setup();
  const ac = new AbortController();
  const hung = analyze('hang-1', { signal: ac.signal });
  const next = analyze('delay:1');
  await until(() => log.started.includes('hang-1'));
  ac.abort();
  await assert.rejects(hung, (e) => code(e) === 'cancelled');
  assert.equal((await next).tokens.length, 3, 'the next request still runs');
  assert.deepEqual(log.aborted, ['hang-1'], 'the handler saw its AbortSignal fire');
  assert.ok(workers[0].received.some((m) => m.kind === 'cancel'));
  assert.equal(client.pendingCount, 0);
  await client.dispose();
});

test('an already-aborted signal rejects without sending anything', async () => {
  const { client, workers, analyze } = setup();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(analyze('delay:1', { signal: ac.signal }), (e) => code(e) === 'cancelled');
  assert.equal(workers.length, 0);
  await client.dispose();
});

test('one request runs at a time and every answer reaches its own caller (no interleaving)', async () => {
  const { client, log, analyze } = setup();
  const texts = ['delay:30', 'delay:1', 'delay:15', 'delay:0', 'delay:5'];
  const results = await Promise.all(texts.map((t, i) => analyze(t, {}, `file:///doc${i}`)));
  assert.equal(log.maxActive, 1);
  assert.deepEqual(log.started, texts, 'first in, first served');
  results.forEach((r, i) => assert.equal(r.source?.uri, `file:///doc${i}`));
  await client.dispose();
});

test('a download runs beside the model queue: an analysis sent during it is answered first, and the download can still be cancelled', async () => {
  const log = { active: 0, maxActive: 0, started: [] as string[], aborted: [] as string[] };
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handlers: Handlers = {
    ...scriptedHandlers(log),
    async download(p, ctx) {
      const aborted = new Promise<never>((_, reject) =>
        ctx.signal.addEventListener(
          'abort',
          () => {
            log.aborted.push(p.hubId);
            reject(new SemanticFlowError('cancelled', 'stopped'));
          },
          { once: true },
        ),
      );
      await Promise.race([p.hubId === 'org/hang' ? aborted : gate, aborted]);
      return { hubId: p.hubId, dtype: p.dtype, dir: `/models/${p.hubId}`, bytes: 1 };
    },
  };
  const client = new WorkerClient({ spawn: () => channelWorker(handlers) });
  try {
    const order: string[] = [];
    const download = client.request('download', { hubId: 'org/model', dtype: 'q8', destRoot: '/models' }).then((r) => {
      order.push('download');
      return r;
    });
    const analysis = client
      .request('analyze', { engine: FAKE_ENGINE, text: 'delay:1', options: { topK: 3 } })
      .then((r) => {
        order.push('analyze');
        return r;
      });
    const first = await Promise.race([analysis.then(() => 'analysis'), sleep(5000).then(() => 'nothing within 5 s')]);
    release();
    assert.equal(first, 'analysis', 'the analysis did not wait for the download');
    assert.equal((await analysis).tokens.length, 3);
    assert.equal((await download).dir, '/models/org/model');
    assert.deepEqual(order, ['analyze', 'download']);

    const ac = new AbortController();
    const hanging = client.request(
      'download',
      { hubId: 'org/hang', dtype: 'q8', destRoot: '/models' },
      { signal: ac.signal },
    );
    await client.request('analyze', { engine: FAKE_ENGINE, text: 'delay:0', options: { topK: 3 } });
    ac.abort();
    await assert.rejects(hanging, (e) => code(e) === 'cancelled');
    await until(() => log.aborted.includes('org/hang')); // the engine stopped the download, not only the caller
  } finally {
    release();
    await client.dispose();
  }
});

test('a new analysis of the same document cancels the older one, whether queued or running', async () => {
  const { client, log, analyze } = setup();
  const blocker = new AbortController();
  const held = analyze('hang-blocker', { signal: blocker.signal }, 'file:///c.txt');
  await until(() => log.started.includes('hang-blocker'));
  const queued = analyze('delay:1-queued', {}, 'file:///a.txt');
  const other = analyze('delay:1-other', {}, 'file:///b.txt');
  const newest = analyze('hang-newest', {}, 'file:///a.txt');
  await assert.rejects(queued, (e) => code(e) === 'cancelled');
  blocker.abort();
  await assert.rejects(held, (e) => code(e) === 'cancelled');
  assert.equal((await other).source?.uri, 'file:///b.txt', 'another document is not affected');
  assert.ok(!log.started.includes('delay:1-queued'), 'the superseded queued request never ran');
  await until(() => log.started.includes('hang-newest'));
  const newer = analyze('delay:1-newer', {}, 'file:///a.txt');
  await assert.rejects(
    newest,
    (e) => code(e) === 'cancelled',
    'the running one is aborted by the next for its document',
  );
  assert.deepEqual(log.aborted, ['hang-blocker', 'hang-newest']);
  assert.equal((await newer).source?.uri, 'file:///a.txt');
  await client.dispose();
});

test('a crash rejects every pending request, reports an error status, and the next request restarts the worker', async () => {
  const { client, log, workers, statuses, analyze } = setup();
  const a = analyze('hang-a');
  const b = analyze('delay:1-b');
  await until(() => log.started.includes('hang-a'));
  workers[0].crash('segfault in a native addon');
  for (const p of [a, b]) {
    await assert.rejects(
      p,
      (e) => code(e) === 'internal' && /stopped unexpectedly: it crashed: segfault/.test((e as Error).message),
    );
  }
  assert.equal(statuses.at(-1)?.health, 'error');
  assert.equal(client.pendingCount, 0);
  assert.equal(client.isRunning, false);
  const r = await analyze('delay:1-after');
  assert.equal(r.tokens.length, 3);
  assert.equal(workers.length, 2, 'a fresh worker was spawned');
  await client.dispose();
});

test('an unexpected handler error comes back as an internal error with the worker stack; the worker survives', async () => {
  const { client, workers, analyze } = setup();
  await assert.rejects(
    analyze('boom'),
    (e) =>
      code(e) === 'internal' &&
      /a bug in a handler/.test((e as Error).message) &&
      /in the engine worker/.test((e as Error).stack ?? ''),
  );
  assert.equal((await analyze('delay:0')).tokens.length, 3);
  assert.equal(workers.length, 1);
  await client.dispose();
});

test('restart and dispose reject pending requests as cancelled and terminate the worker', async () => {
  const { client, log, workers, statuses, analyze } = setup();
  const p = analyze('hang-x');
  await until(() => log.started.includes('hang-x'));
  await client.restart();
  await assert.rejects(p, (e) => code(e) === 'cancelled');
  assert.equal(workers[0].terminated, true);
  assert.equal(statuses.at(-1)?.health, 'stopped', 'a deliberate stop is not an error');
  await client.dispose();
  await assert.rejects(analyze('delay:0'), (e) => code(e) === 'cancelled');
});
