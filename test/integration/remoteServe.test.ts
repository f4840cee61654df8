/**
 * The remote engine against `serve` (in-process, 127.0.0.1, port 0) on the built-in model: the same
 * surprisal and rank per token as the local engine, entropy bounds that contain the true entropy,
 * identical spans; directed information and occlusion by requests; the server's own errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directedInformation } from '../../src/core/directedInformation';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { builtinModelDir, packageRoot } from '../../src/engines/builtinModel';
import { startServer, type RunningServer } from '../../src/engines/remote/server';
import { RemoteModel } from '../../src/engines/remote/remoteModel';
import { twoPassDirectedInformation } from '../../src/engines/remote/remoteDirectedInformation';
import type { LanguageModel } from '../../src/engines/languageModel';
import { features } from '../../src/worker/features';
import { createModel } from '../../src/engines/createModel';
import { occlusionFlow, remoteOcclusion } from '../../src/engines/remote/remoteOcclusion';
import { resultToJson, type AnalysisResult } from '../../src/core/result';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';

const tiny = join(packageRoot(), 'test', 'fixtures', 'models', 'tiny-gpt2');
const DIR = existsSync(join(tiny, 'config.json')) ? tiny : builtinModelDir();
const TEXT = 'def add(a, b):\n    return a + b\n\nThe café serves 日本語 tea 👍🏽 at noon.\r\n\tDone.';
let local: OnnxModel;
let server: RunningServer;

before(async () => {
  local = await OnnxModel.load({ modelDir: DIR });
  server = await startServer({ model: local, port: 0 });
});
after(async () => {
  await server.close();
  await local.dispose();
});

function sameAsLocal(remote: AnalysisResult, ref: AnalysisResult, o: { rank: 'all' | 'top' }) {
  assert.equal(remote.tokens.length, ref.tokens.length);
  remote.tokens.forEach((t, i) => {
    const r = ref.tokens[i];
    assert.equal(t.id < 0 ? r.id : t.id, r.id, `id ${i}`);
    assert.deepEqual([t.start, t.end, t.text], [r.start, r.end, r.text], `span ${i}`);
    assert.ok(
      Math.abs(t.surprisalBits! - r.surprisalBits!) < 1e-4,
      `surprisal ${i}: ${t.surprisalBits} vs ${r.surprisalBits}`,
    );
    assert.ok(Math.abs(t.probability! - r.probability!) < 1e-6);
    if (o.rank === 'all') assert.equal(t.rank, r.rank, `rank ${i}`);
    else assert.ok(t.rank === null || t.rank === r.rank, `rank ${i}: ${t.rank} vs ${r.rank}`);
    assert.equal(t.entropyBits, null);
    const b = t.entropyBoundsBits!;
    assert.ok(
      b.lower <= r.entropyBits! + 1e-6 && r.entropyBits! <= b.upper + 1e-6,
      `entropy ${i}: ${r.entropyBits} not in [${b.lower}, ${b.upper}]`,
    );
    if (o.rank === 'all')
      assert.deepEqual(
        t.topK!.map((a) => a.id),
        r.topK!.map((a) => a.id),
      );
    // The echo form keys alternatives by their decoded text (U+FFFD for part of a character), as vLLM
    // does; the local result shows such an alternative's bytes, so compare with the decoded text of its id.
    else
      for (const a of t.topK!)
        assert.ok(
          r.topK!.some((x) => local.tokenText(x.id) === a.text && Math.abs(x.bits - a.bits) < 1e-4),
          'echo: alternatives keyed by text (duplicates collapse)',
        );
  });
  assert.ok(Math.abs(remote.summary.totalBits - ref.summary.totalBits) < 1e-3);
}

test('vLLM prompt_logprobs form: surprisal and rank per token equal the local engine (1e-4 bits), bounds contain H, spans identical', async () => {
  const remote = await RemoteModel.connect({ endpoint: server.url });
  assert.deepEqual(
    [remote.caps.flavor, remote.caps.rank, remote.info.vocabSize, remote.info.device, remote.kind],
    ['vllm', true, local.info.vocabSize, 'remote', 'remote'],
  );
  const [r, ref] = await Promise.all([remote.analyze(TEXT, { topK: 5 }), local.analyze(TEXT, { topK: 5 })]);
  assert.equal(r.model.entropyBounded, true);
  sameAsLocal(r, ref, { rank: 'all' });
});

test('echo + logprobs form: the same surprisal, rank where the top-k shows it', async () => {
  const remote = await RemoteModel.connect({ endpoint: server.url, flavor: 'echo' });
  const [r, ref] = await Promise.all([remote.analyze(TEXT, { topK: 4 }), local.analyze(TEXT, { topK: 4 })]);
  sameAsLocal(r, ref, { rank: 'top' });
});

test('directed information by two requests: iota equals the local two-pass values; Σ iota = difference of the passes (identity 5); KL unavailable', async () => {
  const remote = await RemoteModel.connect({ endpoint: server.url });
  const o = {
    prompt: 'Question: what is the capital of France?\nAnswer:',
    response: ' Paris is the capital of France.',
  };
  const [r, ref] = await Promise.all([twoPassDirectedInformation(remote, o), twoPassDirectedInformation(local, o)]);
  const di = r.di!;
  assert.equal(di.tokens.length, ref.di!.tokens.length);
  di.tokens.forEach((t, i) => assert.ok(Math.abs(t.iotaBits - ref.di!.tokens[i].iotaBits) < 1e-4));
  const resp = await local.analyze(o.response);
  const inPrompted = r.tokens.filter((t) => t.start >= o.prompt.length).reduce((a, t) => a + t.surprisalBits!, 0);
  assert.ok(Math.abs(di.totalBits - (resp.summary.totalBits - inPrompted)) < 1e-3);
  assert.equal(o.prompt + o.response, r.text);
  assert.equal(di.responseStart, o.prompt.length);
  const json = JSON.parse(resultToJson(r));
  assert.equal(json.di.totalKlBits, null);
  assert.equal(json.di.tokens[0].klBits, null);
});

/** Per response token, the remote result against core's directed information on the local model. */
function sameDiAsLocal(r: AnalysisResult, ref: AnalysisResult, what: string) {
  const di = r.di!,
    want = ref.di!;
  assert.deepEqual(
    di.tokens.map((t) => [t.text, t.start, t.end]),
    want.tokens.map((t) => [t.text, t.start, t.end]),
    `${what}: response tokens`,
  );
  di.tokens.forEach((t, i) => {
    assert.ok(
      Math.abs(t.iotaBits - want.tokens[i].iotaBits) < 1e-4,
      `${what}: iota ${i}: ${t.iotaBits} vs ${want.tokens[i].iotaBits}`,
    );
    assert.ok(
      Math.abs(t.baselineSurprisalBits! - want.tokens[i].baselineSurprisalBits!) < 1e-4,
      `${what}: baseline surprisal ${i}`,
    );
  });
  assert.ok(Math.abs(di.totalBits - want.totalBits) < 1e-3, `${what}: total ${di.totalBits} vs ${want.totalBits}`);
  assert.equal(di.cutInsideToken, want.cutInsideToken, `${what}: cutInsideToken`);
  assert.deepEqual(
    di.promptTokenIds.filter((id) => id >= 0),
    what === 'echo' ? [] : want.promptTokenIds,
    `${what}: prompt ids`,
  );
}

test('directed information when a token straddles the prompt/response cut: the response starts with that token, as locally (core directedInformation), in both request forms', async () => {
  for (const o of [
    { prompt: 'I saw th', response: 'e cat on the mat.' },
    { prompt: 'Then th', response: 'ey left the café, 日本語 too.' },
  ]) {
    const ref = await directedInformation(local, o);
    assert.equal(ref.di!.cutInsideToken, true, 'the example merges across the cut');
    assert.ok(ref.di!.tokens[0].start < o.prompt.length);
    for (const flavor of ['vllm', 'echo'] as const) {
      const remote = await RemoteModel.connect({ endpoint: server.url, flavor });
      sameDiAsLocal(await twoPassDirectedInformation(remote, o), ref, flavor);
    }
    const two = await twoPassDirectedInformation(local, o);
    sameDiAsLocal(two, ref, 'two passes');
  }
  // A baseline text that merges with the response: the baseline pass goes as ids(baseline) + response ids, as core does.
  const o = {
    prompt: 'Question:\n',
    response: 'e cat on the mat.',
    baseline: 'text' as const,
    baselineText: 'I saw th',
  };
  const ref = await directedInformation(
    local,
    { prompt: o.prompt, response: o.response },
    { baseline: 'text', baselineText: o.baselineText },
  );
  const r = await twoPassDirectedInformation(await RemoteModel.connect({ endpoint: server.url }), o);
  sameDiAsLocal(r, ref, 'vllm');
  assert.deepEqual(r.di!.baselineTokenIds, [local.info.bosTokenId, ...ref.di!.baselineTokenIds]);
  await assert.rejects(
    twoPassDirectedInformation(await RemoteModel.connect({ endpoint: server.url, flavor: 'echo' }), o),
    /tokenizes differently after the baseline/,
  );
});

test("createModel builds a server connection from a remote EngineConfig, with the config's request form", async () => {
  const vllm = await createModel({ kind: 'remote', endpoint: server.url, model: '' });
  const echo = await createModel({
    kind: 'remote',
    endpoint: server.url,
    model: local.info.id,
    flavor: 'echo',
    topK: 3,
  });
  assert.deepEqual([vllm.kind, vllm.scoring, typeof vllm.analyzeIds], ['remote', null, 'function']);
  assert.deepEqual([(vllm as RemoteModel).caps.flavor, (echo as RemoteModel).caps.flavor], ['vllm', 'echo']);
  const [r, ref] = await Promise.all([
    vllm.analyze('The cat sat.', { topK: 5 }),
    local.analyze('The cat sat.', { topK: 5 }),
  ]);
  sameAsLocal(r, ref, { rank: 'all' });
});

test('the worker decides directed information by what a model can do, not by its class: a wrapped server connection that takes token ids gets the id pass', async () => {
  const remote = await RemoteModel.connect({ endpoint: server.url });
  // A LanguageModel that only delegates (as a logging or caching wrapper would): not a RemoteModel instance.
  const wrapped: LanguageModel = {
    kind: remote.kind,
    info: remote.info,
    scoring: null,
    analyzeIds: remote.analyzeIds,
    analyze: (t, o) => remote.analyze(t, o),
    dispose: () => remote.dispose(),
  };
  // The baseline text merges with the response's first token, so the baseline pass must go as token ids.
  const prompt = 'Question:\n',
    response = 'e cat on the mat.';
  const ref = await directedInformation(local, { prompt, response }, { baseline: 'text', baselineText: 'I saw th' });
  const ctx = { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
  const r = await features.di(
    wrapped,
    {
      engine: { kind: 'remote', endpoint: server.url, model: '' },
      text: prompt + response,
      prompt: { start: 0, end: prompt.length },
      response: { start: prompt.length, end: prompt.length + response.length },
      options: { topK: 5, baseline: 'text', baselineText: 'I saw th' },
    },
    ctx,
  );
  sameDiAsLocal(r, ref, 'vllm');
});

test('batch directed information over serve: a line whose cut falls inside a token is no error, with --flavor echo too, and equals local di', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-serve-di-'));
  const input = join(dir, 'in.jsonl');
  const o = { prompt: 'I saw th', response: 'e cat on the mat.' };
  writeFileSync(input, `${JSON.stringify({ id: 'cut', ...o })}\n`);
  const ref = await directedInformation(local, o);
  for (const flavor of ['vllm', 'echo']) {
    const out = join(dir, `${flavor}.jsonl`);
    const io = captureIo();
    assert.equal(
      await run(['batch', input, '--out', out, '--engine', 'remote', '--endpoint', server.url, '--flavor', flavor], io),
      0,
      io.err,
    );
    const line = JSON.parse(readFileSync(out, 'utf8').trim()) as {
      error?: unknown;
      di: { totalBits: number; cutInsideToken: boolean };
    };
    assert.equal(line.error, undefined, `${flavor}: ${JSON.stringify(line.error)}`);
    assert.ok(
      Math.abs(line.di.totalBits - ref.di!.totalBits) < 1e-3,
      `${flavor}: ${line.di.totalBits} vs ${ref.di!.totalBits}`,
    );
    assert.equal(line.di.cutInsideToken, true);
  }
});

test('occlusion flow, one request per word under a concurrency limit: equals the local delete-occlusion; φ = 0 up to the unit (identity 7)', async () => {
  const remote = await RemoteModel.connect({ endpoint: server.url });
  const text = 'The cat sat on the mat because it was warm.';
  let maxDone = 0;
  const [r, ref] = await Promise.all([
    remoteOcclusion(remote, text, {
      unit: 'word',
      concurrency: 3,
      onProgress: (p) => {
        maxDone = p.doneSources;
      },
    }),
    occlusionFlow(local, text, { unit: 'word', concurrency: 1 }),
  ]);
  const f = r.flow!;
  assert.equal(f.method, 'delete');
  assert.equal(maxDone, f.sources.length);
  f.phiBits.forEach((row, j) =>
    row.forEach((phi, c) => {
      const t = r.tokens[f.targets[c]];
      if (t.start < f.sources[j].end) assert.equal(phi, 0);
      const want = ref.flow!.phiBits[j][c];
      if (Number.isNaN(want)) assert.ok(Number.isNaN(phi));
      else assert.ok(Math.abs(phi - want) < 1e-4);
    }),
  );
  assert.ok(
    f.phiBits.flat().some((x) => Math.abs(x) > 0.01),
    'some word informs a later token',
  );
});

test('serve speaks vLLM: token-id prompts, /tokenize, max-logprobs, unknown model, context length, API key', async () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url + path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const tok = (await (await post('/tokenize', { prompt: 'Hello world' })).json()) as {
    tokens: number[];
    count: number;
  };
  assert.equal(tok.tokens[0], local.info.bosTokenId);
  const byText = (await (
    await post('/v1/completions', { prompt: 'Hello world', prompt_logprobs: 1, max_tokens: 1 })
  ).json()) as { choices: { prompt_logprobs: unknown[] }[] };
  const byIds = (await (
    await post('/v1/completions', { prompt: tok.tokens, prompt_logprobs: 1, max_tokens: 1 })
  ).json()) as {
    choices: { prompt_logprobs: Record<string, { logprob: number; rank: number; decoded_token: string }>[] }[];
  };
  const a = byText.choices[0].prompt_logprobs[2] as Record<
    string,
    { logprob: number; rank: number; decoded_token: string }
  >;
  const b = byIds.choices[0].prompt_logprobs[2];
  assert.ok(Math.abs(a[String(tok.tokens[2])].logprob - b[String(tok.tokens[2])].logprob) < 1e-5);
  assert.equal(b[String(tok.tokens[2])].decoded_token, local.tokenText(tok.tokens[2]));
  const tooMany = await post('/v1/completions', { prompt: 'x', prompt_logprobs: 21 });
  assert.equal(tooMany.status, 400);
  assert.match(
    ((await tooMany.json()) as { error: { message: string } }).error.message,
    /Requested prompt logprobs of 21, which is greater than max allowed: 20/,
  );
  const other = await post('/v1/completions', { model: 'llama', prompt: 'x', prompt_logprobs: 1 });
  assert.equal(other.status, 404);
  const long = await post('/v1/completions', { prompt: 'word '.repeat(400), prompt_logprobs: 1 });
  assert.equal(long.status, 400);
  assert.match(
    ((await long.json()) as { error: { message: string } }).error.message,
    /maximum context length is \d+ tokens/,
  );
  const remote = await RemoteModel.connect({ endpoint: server.url });
  await assert.rejects(remote.analyze('word '.repeat(400)), (e: Error & { code?: string }) => e.code === 'too-large');
  const nf = await fetch(server.url + '/v2/nothing');
  assert.equal(nf.status, 404);

  const keyed = await startServer({ model: local, port: 0, apiKey: 'k-123' });
  try {
    assert.equal((await fetch(keyed.url + '/v1/models')).status, 401);
    const m = await RemoteModel.connect({ endpoint: keyed.url, apiKey: 'k-123' });
    assert.ok((await m.analyze('Hi there')).tokens.length > 0);
  } finally {
    await keyed.close();
  }
});

test('`semantic-flow serve --port 0` prints its URL, answers, and stops cleanly on SIGINT (the io signal)', async () => {
  const ac = new AbortController();
  const io = captureIo({ env: { SEMANTIC_FLOW_MODEL: DIR }, signal: ac.signal });
  const running = run(['serve', '--port', '0', '--quiet'], io);
  while (!io.out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const url = io.out.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const models = (await (await fetch(url + '/v1/models')).json()) as { data: { id: string; max_logprobs: number }[] };
  assert.equal(models.data[0].max_logprobs, 20);
  ac.abort();
  assert.equal(await running, 0, io.err);
  assert.match(io.err, /stopping: finishing requests in flight/);
  await assert.rejects(fetch(url + '/v1/models'));
});
