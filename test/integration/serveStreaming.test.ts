/**
 * `serve` with `stream: true`, read by the official `openai` client's `for await`: one server-sent event
 * per token whose texts add up to the non-streamed completion, the finish reason on the last, the
 * usage chunk when asked, no piece of a stop string leaked, and a client that goes away stops the model.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { ForwardInput } from '../../src/core/scoringModel';
import { packageRoot } from '../../src/engines/builtinModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { startServer, type RunningServer } from '../../src/engines/remote/server';

const FIXTURE_DIR = join(packageRoot(), 'test', 'fixtures', 'models', 'tiny-gpt2');
const PROMPT = 'The cat sat on the';

let local: OnnxModel;
/** The model with its passes counted (a pass after the client left is model work for nobody). */
let counted: OnnxModel;
let passes = 0;
let server: RunningServer;
let client: OpenAI;
let model: string;
const log: string[] = [];

before(async () => {
  local = await OnnxModel.load({ modelDir: FIXTURE_DIR });
  counted = Object.create(local) as OnnxModel;
  counted.forward = (input: ForwardInput, signal?: AbortSignal) => {
    passes++;
    return local.forward(input, signal);
  };
  server = await startServer({ model: counted, port: 0, log: (l) => log.push(l) });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  model = local.info.id;
});
after(async () => {
  await server.close();
  await local.dispose();
});

test('stream: the client receives one chunk per token; texts and log-probs add up to the non-streamed completion; usage last', async () => {
  const body = { model, prompt: PROMPT, max_tokens: 8, temperature: 0, logprobs: 2 };
  const whole = (await client.completions.create(body)).choices[0];
  const chunks: OpenAI.Completion[] = [];
  for await (const c of await client.completions.create({
    ...body,
    stream: true,
    stream_options: { include_usage: true },
  }))
    chunks.push(c);
  const usage = chunks.pop()!;
  assert.deepEqual(usage.choices, []);
  assert.equal(usage.usage!.completion_tokens, 8);
  assert.equal(chunks.length, 8);
  assert.equal(chunks.map((c) => c.choices[0].text).join(''), whole.text);
  assert.deepEqual(
    chunks.flatMap((c) => c.choices[0].logprobs!.tokens!),
    whole.logprobs!.tokens,
  );
  assert.deepEqual(
    chunks.flatMap((c) => c.choices[0].logprobs!.token_logprobs!),
    whole.logprobs!.token_logprobs,
  );
  assert.deepEqual(
    chunks.flatMap((c) => c.choices[0].logprobs!.text_offset!),
    whole.logprobs!.text_offset,
    'offsets count the text streamed before',
  );
  assert.deepEqual(
    chunks.map((c) => c.choices[0].finish_reason),
    [...new Array(7).fill(null), 'length'],
  );
  assert.ok(chunks.every((c) => c.object === 'text_completion' && c.id === chunks[0].id));
});

test('stream: a prompt over the context window is refused with its HTTP status, before the stream opens', async () => {
  await assert.rejects(
    client.completions.create({ model, prompt: 'word '.repeat(400), max_tokens: 2, stream: true }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.match(
        e.message,
        /^400 This model's maximum context length is 256 tokens\. However, your prompt contains 402 input tokens/,
      );
      return true;
    },
  );
});

test('stream with echo: the prompt arrives with the first token', async () => {
  const chunks: OpenAI.CompletionChoice[] = [];
  const body = { model, prompt: PROMPT, max_tokens: 3, temperature: 0, echo: true, logprobs: 1 };
  for await (const c of await client.completions.create({ ...body, stream: true })) chunks.push(c.choices[0]);
  const whole = (await client.completions.create(body)).choices[0];
  assert.equal(chunks.length, 3);
  assert.ok(chunks[0].text.startsWith(PROMPT));
  assert.equal(chunks.map((c) => c.text).join(''), whole.text);
  assert.deepEqual(
    chunks.flatMap((c) => c.logprobs!.text_offset!),
    whole.logprobs!.text_offset,
  );
  assert.deepEqual(
    chunks.flatMap((c) => c.logprobs!.tokens!),
    whole.logprobs!.tokens,
  );
});

test('stream with a stop string that spans two tokens: no piece of it is sent before the stop is seen', async () => {
  const whole = await client.completions.create({ model, prompt: PROMPT, max_tokens: 16, temperature: 0, logprobs: 0 });
  const { tokens, text_offset: off } = whole.choices[0].logprobs!;
  const text = whole.choices[0].text;
  // A stop string made of the last character of one token and the first of the next, first seen there.
  const k = tokens!.findIndex(
    (t, i) =>
      i + 1 < tokens!.length &&
      t.length > 0 &&
      tokens![i + 1].length > 0 &&
      text.indexOf(t.slice(-1) + tokens![i + 1][0]) === off![i + 1] - 1,
  );
  assert.ok(k >= 0, 'the greedy text has a stop string across a token boundary');
  const stop = tokens![k].slice(-1) + tokens![k + 1][0];
  const streamed: string[] = [];
  let finish: string | null = null;
  for await (const c of await client.completions.create({
    model,
    prompt: PROMPT,
    max_tokens: 16,
    temperature: 0,
    stop,
    stream: true,
  })) {
    streamed.push(c.choices[0].text);
    finish = c.choices[0].finish_reason ?? finish;
  }
  assert.equal(streamed.join(''), text.slice(0, off![k + 1] - 1));
  assert.equal(finish, 'stop');
});

test('a client that goes away mid-stream stops the generation: no pass runs for it afterwards', async () => {
  const before = passes;
  let received = 0;
  const stream = await client.completions.create({
    model,
    prompt: PROMPT,
    max_tokens: 200,
    temperature: 0,
    ignore_eos: true,
    stream: true,
  } as OpenAI.CompletionCreateParamsStreaming);
  for await (const c of stream) {
    if (c.choices.length > 0 && ++received === 3) break; // the client aborts its request
  }
  // The server sees the socket close a moment later; from then on no pass runs.
  await new Promise((r) => setTimeout(r, 100));
  const settled = passes;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(passes, settled, 'passes ran after the client left');
  assert.ok(passes - before < 20, `${passes - before} passes for 3 of 200 tokens`);
  assert.match(log[log.length - 1], /^POST \/v1\/completions 499 \d+ ms, client gone: stopped$/);
});

test('a client that aborts a non-streamed request stops the generation too', async () => {
  const ac = new AbortController();
  const atStart = passes;
  const req = client.completions.create(
    {
      model,
      prompt: PROMPT,
      max_tokens: 200,
      temperature: 0,
      ignore_eos: true,
    } as OpenAI.CompletionCreateParamsNonStreaming,
    { signal: ac.signal },
  );
  while (passes - atStart < 4) await new Promise((r) => setTimeout(r, 1));
  ac.abort();
  await assert.rejects(req);
  await new Promise((r) => setTimeout(r, 100));
  const settled = passes;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(passes, settled, 'passes ran after the client left');
  assert.ok(passes - atStart < 20, `${passes - atStart} passes of 200`);
});
