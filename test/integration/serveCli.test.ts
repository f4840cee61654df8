/**
 * `semantic-flow serve` as a user runs it: the model in the engine's child process (src/worker), so the
 * HTTP side answers while the model works — shown by freezing the engine process mid-generation —
 * and completions, streams, /tokenize and cancellation work through it, equal to the in-process engine.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';
import { packageRoot } from '../../src/engines/builtinModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { startServer, type RunningServer } from '../../src/engines/remote/server';

const DIR = join(packageRoot(), 'test', 'fixtures', 'models', 'tiny-gpt2');
const PROMPT = 'The cat sat on the';
const stop = new AbortController();
const io = captureIo({ env: { SEMANTIC_FLOW_MODEL: DIR }, signal: stop.signal });
let running: Promise<number>;
let url: string;
let client: OpenAI;
let local: OnnxModel;
let inProcess: RunningServer;

before(async () => {
  running = run(['serve', '--port', '0'], io);
  while (!io.out.includes('\n')) {
    if (await Promise.race([running.then(() => true), new Promise((r) => setTimeout(r, 20, false))]))
      throw new Error(`serve ended: ${io.err}`);
  }
  url = io.out.trim();
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
  local = await OnnxModel.load({ modelDir: DIR });
  inProcess = await startServer({ model: local, port: 0 });
});
after(async () => {
  stop.abort();
  assert.equal(await running, 0, io.err);
  await inProcess.close();
  await local.dispose();
});

/** Engine processes this process started (Linux /proc: children running the worker entry). */
function engineProcesses(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const parent = readFileSync(`/proc/${d}/stat`, 'utf8')
          .replace(/^.*\) /, '')
          .split(' ')[1];
        return (
          parent === String(process.pid) &&
          /worker[/\\](main\.ts|.*worker\.js)|worker\.js/.test(readFileSync(`/proc/${d}/cmdline`, 'utf8'))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('completions, prompt log-probs and /tokenize through the engine process equal the in-process engine', async () => {
  const body = {
    model: 'tiny-gpt2',
    prompt: PROMPT,
    max_tokens: 6,
    temperature: 0.8,
    seed: 5,
    logprobs: 2,
    echo: true,
  };
  const viaChild = await client.completions.create(body);
  const inProc = await new OpenAI({
    baseURL: `${inProcess.url}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
  }).completions.create(body);
  assert.equal(viaChild.choices[0].text, inProc.choices[0].text);
  assert.deepEqual(viaChild.choices[0].logprobs, inProc.choices[0].logprobs);
  const tok = (await (
    await fetch(`${url}/tokenize`, {
      method: 'POST',
      body: JSON.stringify({ prompt: PROMPT, return_token_strs: true }),
    })
  ).json()) as { tokens: number[]; token_strs: string[] };
  assert.deepEqual(tok.tokens, [local.info.bosTokenId, ...local.tokenize(PROMPT).ids]);
  assert.deepEqual(
    tok.token_strs,
    tok.tokens.map((id) => local.tokenText(id)),
  );
});

test('GET /v1/models answers while the engine process is frozen in the middle of a generation, and the stream then completes', {
  skip: process.platform !== 'linux' && 'reads /proc',
}, async () => {
  const engines = engineProcesses();
  assert.equal(engines.length, 1, 'serve runs one engine process');
  const stream = await client.completions.create({
    model: 'tiny-gpt2',
    prompt: PROMPT,
    max_tokens: 40,
    temperature: 0,
    ignore_eos: true,
    stream: true,
  } as OpenAI.CompletionCreateParamsStreaming);
  const it = stream[Symbol.asyncIterator]();
  const texts = [(await it.next()).value.choices[0].text as string];
  process.kill(engines[0], 'SIGSTOP');
  try {
    const models = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(models.status, 200);
    assert.equal(((await models.json()) as { data: { id: string }[] }).data[0].id, 'tiny-gpt2');
    assert.equal((await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) })).status, 200);
  } finally {
    process.kill(engines[0], 'SIGCONT');
  }
  for (let r = await it.next(); !r.done; r = await it.next())
    if (r.value.choices.length) texts.push(r.value.choices[0].text);
  const whole = await client.completions.create({
    model: 'tiny-gpt2',
    prompt: PROMPT,
    max_tokens: 40,
    temperature: 0,
    ignore_eos: true,
  } as OpenAI.CompletionCreateParamsNonStreaming);
  assert.equal(texts.join(''), whole.choices[0].text);
});

test('a client that leaves cancels its job in the engine process: the next request is answered at once', async () => {
  const stream = await client.completions.create({
    model: 'tiny-gpt2',
    prompt: PROMPT,
    max_tokens: 230,
    temperature: 0,
    ignore_eos: true,
    stream: true,
  } as OpenAI.CompletionCreateParamsStreaming);
  for await (const c of stream) if (c.choices.length) break;
  const r = await client.completions.create({ model: 'tiny-gpt2', prompt: 'Hi', max_tokens: 1, temperature: 0 });
  assert.equal(r.choices[0].finish_reason, 'length');
  await new Promise((r) => setTimeout(r, 100));
  assert.match(io.err, /POST \/v1\/completions 499 \d+ ms, client gone: stopped/);
});
