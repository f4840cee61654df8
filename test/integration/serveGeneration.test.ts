/**
 * `serve` generates as vLLM does, read through the official `openai` client: greedy tokens and their
 * log-probs against plain cache-free passes, seeded sampling against core's generate(), top-p against
 * the nucleus computed by hand, stop strings and stop token ids, finish reasons, usage.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import OpenAI from 'openai';
import { generate } from '../../src/core/generation';
import { packageRoot } from '../../src/engines/builtinModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { startServer, type RunningServer } from '../../src/engines/remote/server';

const FIXTURE_DIR = join(packageRoot(), 'test', 'fixtures', 'models', 'tiny-gpt2');
const PROMPT = 'The cat sat on the';

let local: OnnxModel;
let server: RunningServer;
let client: OpenAI;
let model: string;

before(async () => {
  local = await OnnxModel.load({ modelDir: FIXTURE_DIR });
  server = await startServer({ model: local, port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  model = local.info.id;
});
after(async () => {
  await server.close();
  await local.dispose();
});

/** ln softmax(row)[v], the plain way. */
function logSoftmaxAt(row: Float32Array, v: number): number {
  const m = Math.max(...row);
  return row[v] - m - Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
}

/** The logits row after `ids`, from one pass over the whole sequence (no cache). */
async function nextRow(ids: number[]): Promise<Float32Array> {
  const out = await local.forward({ inputIds: [ids] });
  return out.logits.slice((ids.length - 1) * out.vocab, ids.length * out.vocab);
}

const promptIds = () => [local.info.bosTokenId as number, ...local.tokenize(PROMPT).ids];
const idOf = (token: string) => Number(/^token_id:(\d+)$/.exec(token)![1]);

test('greedy (temperature 0): each token is the argmax of a cache-free pass, with its log-prob; max_tokens ends it with "length"', async () => {
  const r = await client.completions.create({
    model,
    prompt: PROMPT,
    max_tokens: 8,
    temperature: 0,
    logprobs: 3,
    return_tokens_as_token_ids: true,
  } as OpenAI.CompletionCreateParamsNonStreaming);
  const c = r.choices[0];
  assert.equal(c.finish_reason, 'length');
  assert.deepEqual(r.usage && [r.usage.prompt_tokens, r.usage.completion_tokens], [promptIds().length, 8]);
  const ids = promptIds();
  const got = c.logprobs!.tokens!.map(idOf);
  for (let i = 0; i < 8; i++) {
    const row = await nextRow(ids);
    const y = row.indexOf(Math.max(...row));
    assert.equal(got[i], y, `token ${i}`);
    assert.ok(Math.abs(c.logprobs!.token_logprobs![i] - logSoftmaxAt(row, y)) < 1e-4, `logprob ${i}`);
    const top = Object.entries(c.logprobs!.top_logprobs![i]);
    assert.equal(top.length, 3);
    for (const [k, lp] of top) assert.ok(Math.abs(lp - logSoftmaxAt(row, idOf(k))) < 1e-4);
    ids.push(y);
  }
  const ref = await generate(local, PROMPT, { greedy: true, maxTokens: 8 });
  assert.equal(c.text, ref.text.slice(PROMPT.length));
  assert.equal(c.logprobs!.text_offset![0], 0);
});

test('seeded sampling: the same tokens as core generate() with that seed and temperature, reproducible, and another seed differs', async () => {
  const ask = (seed: number) =>
    client.completions.create({
      model,
      prompt: PROMPT,
      max_tokens: 12,
      temperature: 1,
      seed,
      logprobs: 0,
      return_tokens_as_token_ids: true,
    } as OpenAI.CompletionCreateParamsNonStreaming);
  const [a, b, other] = [await ask(42), await ask(42), await ask(43)];
  const ref = (await generate(local, PROMPT, { seed: 42, temperature: 1, maxTokens: 12 })).generation!;
  assert.deepEqual(
    a.choices[0].logprobs!.tokens!.map(idOf),
    ref.tokens.map((t) => t.id),
  );
  assert.equal(a.choices[0].text, b.choices[0].text);
  assert.notDeepEqual(other.choices[0].logprobs!.tokens, a.choices[0].logprobs!.tokens);
});

test('top_p: every sampled token lies in the nucleus of the tempered distribution, computed from cache-free passes', async () => {
  const T = 1.5,
    P = 0.3;
  for (const seed of [1, 2, 3]) {
    const r = await client.completions.create({
      model,
      prompt: PROMPT,
      max_tokens: 10,
      temperature: T,
      top_p: P,
      seed,
      logprobs: 0,
      return_tokens_as_token_ids: true,
    } as OpenAI.CompletionCreateParamsNonStreaming);
    const ids = promptIds();
    for (const y of r.choices[0].logprobs!.tokens!.map(idOf)) {
      const row = await nextRow(ids);
      const m = Math.max(...row);
      const w = Array.from(row, (x) => Math.exp((x - m) / T));
      const z = w.reduce((a, x) => a + x, 0);
      const above = w.reduce((a, x, v) => a + (x > w[y] || (x === w[y] && v < y) ? x : 0), 0) / z;
      assert.ok(above < P, `seed ${seed}: token ${y} has ${above} of the mass above it (top_p ${P})`);
      ids.push(y);
    }
  }
});

test('stop strings end the text before the stop string (finish "stop", stop_reason the string); stop_token_ids end at that token', async () => {
  const full = (await client.completions.create({ model, prompt: PROMPT, max_tokens: 16, temperature: 0 })).choices[0]
    .text;
  const stop = full.slice(3, 5);
  const at = full.indexOf(stop);
  assert.ok(at > 0);
  const r = await client.completions.create({
    model,
    prompt: PROMPT,
    max_tokens: 16,
    temperature: 0,
    stop: ['never here', stop],
  });
  assert.deepEqual(
    [r.choices[0].text, r.choices[0].finish_reason, (r.choices[0] as unknown as { stop_reason: unknown }).stop_reason],
    [full.slice(0, at), 'stop', stop],
  );
  const greedy = await client.completions.create({
    model,
    prompt: PROMPT,
    max_tokens: 16,
    temperature: 0,
    logprobs: 0,
    return_tokens_as_token_ids: true,
  } as OpenAI.CompletionCreateParamsNonStreaming);
  const third = idOf(greedy.choices[0].logprobs!.tokens![2]);
  const first = greedy.choices[0].logprobs!.tokens!.slice(0, 3).map(idOf).indexOf(third);
  const s = await client.completions.create({
    model,
    prompt: PROMPT,
    max_tokens: 16,
    temperature: 0,
    stop_token_ids: [third],
  } as OpenAI.CompletionCreateParamsNonStreaming);
  assert.deepEqual(
    [
      s.choices[0].finish_reason,
      (s.choices[0] as unknown as { stop_reason: unknown }).stop_reason,
      s.usage!.completion_tokens,
    ],
    ['stop', third, first + 1],
  );
});

test('echo with generation: the text is prompt + completion and the log-probs cover both, offsets into that text', async () => {
  const r = await client.completions.create({
    model,
    prompt: PROMPT,
    max_tokens: 4,
    temperature: 0,
    echo: true,
    logprobs: 1,
  });
  const plain = await client.completions.create({ model, prompt: PROMPT, max_tokens: 4, temperature: 0 });
  const c = r.choices[0];
  assert.equal(c.text, PROMPT + plain.choices[0].text);
  const n = promptIds().length;
  assert.equal(c.logprobs!.tokens!.length, n + 4);
  assert.equal(c.logprobs!.token_logprobs![0], null);
  c.logprobs!.tokens!.forEach((t, i) => {
    if (i === 0) return;
    const end = i + 1 < n + 4 ? c.logprobs!.text_offset![i + 1] : c.text.length;
    assert.equal(c.text.slice(c.logprobs!.text_offset![i], end), t, `token ${i}`);
  });
});
