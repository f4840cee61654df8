/** ModelHost + handlers: one model load shared by all commands; reload on config change; failures retried. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SemanticFlowError } from '../../../src/core/errors';
import type { HandlerContext } from '../../../src/worker/dispatcher';
import { features } from '../../../src/worker/features';
import { createHandlers } from '../../../src/worker/handlers';
import { ModelHost } from '../../../src/worker/modelHost';
import type { EngineConfig, EngineStatus, Progress } from '../../../src/worker/protocol';
import { deferred, FAKE_ENGINE, fakeLanguageModel, type FakeLanguageModel } from './fakeEngine';

function ctx(signal = new AbortController().signal): HandlerContext & { progressSeen: Progress[] } {
  const progressSeen: Progress[] = [];
  return { signal, progressSeen, progress: (p) => progressSeen.push(p), log: () => undefined };
}

function host(load: (e: EngineConfig) => Promise<FakeLanguageModel>) {
  const statuses: EngineStatus[] = [];
  const loads: EngineConfig[] = [];
  const h = new ModelHost(
    async (e) => {
      loads.push(e);
      return load(e);
    },
    (s) => statuses.push(s),
  );
  return { h, statuses, loads, handlers: createHandlers(h, features) };
}

test('every command shares one load; a changed config disposes the old model and loads the new one', async () => {
  const models: FakeLanguageModel[] = [];
  const { handlers, loads, statuses } = host(async (e) => {
    const m = fakeLanguageModel(e.kind === 'onnx' ? e.id : 'r');
    models.push(m);
    return m;
  });
  const c = ctx();
  const r1 = await handlers.analyze({ engine: FAKE_ENGINE, text: 'abcab', options: { topK: 2 } }, c);
  const info = await handlers.load({ engine: FAKE_ENGINE }, ctx());
  await handlers.analyze({ engine: FAKE_ENGINE, text: 'cab', options: { topK: 2 } }, ctx());
  assert.equal(loads.length, 1);
  assert.equal(info.id, 'fake');
  assert.equal(r1.tokens.length, 5);
  assert.deepEqual(c.progressSeen[0], { stage: 'load', model: '/fake' });
  assert.ok(c.progressSeen.some((p) => p.stage === 'score'));
  assert.deepEqual(
    statuses.slice(0, 4).map((s) => s.health),
    ['loading', 'ready', 'busy', 'ready'],
  );

  await handlers.analyze(
    { engine: { ...FAKE_ENGINE, id: 'other', dtype: 'q8' }, text: 'ab', options: { topK: 1 } },
    ctx(),
  );
  assert.equal(loads.length, 2);
  assert.equal(models[0].disposed, true, 'the previous model is disposed before the next loads');
  assert.equal(models[1].disposed, false);
});

test('a failed load reports an error status and is retried by the next request', async () => {
  let attempts = 0;
  const { handlers, statuses } = host(async () => {
    if (++attempts === 1) throw new SemanticFlowError('model-not-found', 'Model folder not found: /nope.');
    return fakeLanguageModel();
  });
  await assert.rejects(
    handlers.analyze({ engine: FAKE_ENGINE, text: 'ab', options: { topK: 1 } }, ctx()),
    /Model folder not found/,
  );
  assert.ok(statuses.some((s) => s.health === 'error' && s.code === 'model-not-found'));
  const r = await handlers.analyze({ engine: FAKE_ENGINE, text: 'ab', options: { topK: 1 } }, ctx());
  assert.equal(r.tokens.length, 2);
  assert.equal(attempts, 2);
});

test('cancelling during a load returns at once; the load finishes and is reused, not repeated', async () => {
  const gate = deferred();
  const { handlers, loads } = host(async () => {
    await gate.promise;
    return fakeLanguageModel();
  });
  const ac = new AbortController();
  const first = handlers.analyze({ engine: FAKE_ENGINE, text: 'ab', options: { topK: 1 } }, ctx(ac.signal));
  ac.abort();
  await assert.rejects(first, (e) => (e as SemanticFlowError).code === 'cancelled');
  gate.resolve();
  const r = await handlers.analyze({ engine: FAKE_ENGINE, text: 'abc', options: { topK: 1 } }, ctx());
  assert.equal(r.tokens.length, 3);
  assert.equal(loads.length, 1);
});

test('generation and comparison on a remote engine say they need a local model', async () => {
  const remote = { ...fakeLanguageModel('served'), kind: 'remote' as const, scoring: null };
  const { handlers } = host(async () => remote as unknown as FakeLanguageModel);
  await assert.rejects(
    handlers.generate({ engine: FAKE_ENGINE, prompt: 'ab', options: { topK: 1, maxTokens: 2 } }, ctx()),
    (e) => e instanceof SemanticFlowError && e.code === 'server-limitation' && /choose a local model/.test(e.message),
  );
});

test('directed information and flow run through the worker handlers on the fake model', async () => {
  const { handlers } = host(async () => fakeLanguageModel());
  const di = await handlers.di(
    {
      engine: FAKE_ENGINE,
      text: 'abcdabcd',
      prompt: { start: 0, end: 4 },
      response: { start: 4, end: 8 },
      source: { uri: 'file:///x', version: 3, offset: 10 },
      options: { topK: 2 },
    },
    ctx(),
  );
  assert.equal(di.di?.tokens.length, 4);
  assert.equal(di.source?.offset, 10);
  const c = ctx();
  const flow = await handlers.flow({ engine: FAKE_ENGINE, text: 'abcab', options: { topK: 1, unit: 'token' } }, c);
  assert.equal(flow.flow?.phiBits.length, flow.flow?.sources.length);
  // The plan is announced before the first pass, then token-steps count up to exactly the plan's total.
  const steps = c.progressSeen.filter((p) => p.stage === 'score');
  const total = flow.flow!.tokenSteps;
  assert.deepEqual(steps[0], {
    stage: 'score',
    done: 0,
    total,
    unit: 'token-steps',
    detail: `5 sources × ${flow.flow!.targets.length} targets in ${flow.flow!.passes} passes`,
  });
  assert.deepEqual(steps.at(-1), { ...steps[0], done: total });
});

test('a load passes on its progress: the bytes read, then the device it prepares the model on', async () => {
  const h = new ModelHost(
    async (_e, onProgress) => {
      onProgress({ step: 'read', doneBytes: 0, totalBytes: 900 });
      onProgress({ step: 'read', doneBytes: 900, totalBytes: 900 });
      onProgress({ step: 'prepare', device: 'cpu' });
      return fakeLanguageModel();
    },
    () => undefined,
  );
  const c = ctx();
  await createHandlers(h, features).load({ engine: FAKE_ENGINE }, c);
  assert.deepEqual(c.progressSeen, [
    { stage: 'load', model: '/fake' },
    { stage: 'load', model: '/fake', done: 0, total: 900 },
    { stage: 'load', model: '/fake', done: 900, total: 900 },
    { stage: 'load', model: '/fake', device: 'cpu' },
  ]);
});
