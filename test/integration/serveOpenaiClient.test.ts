/**
 * `serve` through the official `openai` npm client, as any vLLM user would call it: errors in the
 * OpenAI/vLLM shape the client can read (status, message, type, param).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import OpenAI from 'openai';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { startServer, type RunningServer } from '../../src/engines/remote/server';
import { join } from 'node:path';
import { packageRoot } from '../../src/engines/builtinModel';

const FIXTURE_DIR = join(packageRoot(), 'test', 'fixtures', 'models', 'tiny-gpt2');

let local: OnnxModel;
let server: RunningServer;
let client: OpenAI;

before(async () => {
  local = await OnnxModel.load({ modelDir: FIXTURE_DIR });
  server = await startServer({ model: local, port: 0, maxLogprobs: 5 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  await server.close();
  await local.dispose();
});

test('errors reach the openai client with their status, message, type and param', async () => {
  await assert.rejects(client.completions.create({ model: 'llama', prompt: 'Hello', max_tokens: 1 }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.NotFoundError, String(e));
    assert.equal(e.status, 404);
    assert.equal(e.message, '404 The model `llama` does not exist.');
    assert.equal(e.type, 'NotFoundError');
    assert.equal(e.param, 'model');
    return true;
  });
  await assert.rejects(
    client.completions.create({ model: local.info.id, prompt: 'Hello', max_tokens: 1, logprobs: 6 }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.equal(e.message, '400 Requested logprobs of 6, which is greater than max allowed: 5');
      assert.equal(e.param, 'logprobs');
      return true;
    },
  );
  await assert.rejects(
    client.completions.create({ model: local.info.id, prompt: 'word '.repeat(400), max_tokens: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.match(
        e.message,
        /^400 This model's maximum context length is 256 tokens\. However, your prompt contains 402 input tokens/,
      );
      return true;
    },
  );
  for (const [param, value] of [
    ['n', 2],
    ['frequency_penalty', 0.5],
    ['logit_bias', { 5: 1 }],
  ] as const) {
    await assert.rejects(
      client.completions.create({ model: local.info.id, prompt: 'Hello', max_tokens: 1, [param]: value }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError && e.param === param, `${param}: ${String(e)}`);
        assert.match(e.message, /is not supported by semantic-flow serve/);
        return true;
      },
    );
  }
  const raw = await fetch(`${server.url}/v2/nothing`);
  assert.equal(raw.status, 404);
  assert.deepEqual(await raw.json(), {
    error: { message: 'No route GET /v2/nothing.', type: 'NotFoundError', param: null, code: 404 },
  });
});

/** Code-point offset of each UTF-16 offset of `text` (text_offset counts characters, as Python does). */
function codePointOffsets(text: string): number[] {
  const at: number[] = [];
  let cp = 0;
  for (const ch of text) {
    at.push(cp);
    if (ch.length === 2) at.push(cp);
    cp++;
  }
  at.push(cp);
  return at;
}

test('echo: text_offset indexes the returned text (the BOS the server adds takes no characters), one offset per token', async () => {
  const prompt = 'The café serves 日本語 tea at noon.';
  const r = await client.completions.create({ model: local.info.id, prompt, echo: true, logprobs: 2, max_tokens: 0 });
  const c = r.choices[0];
  assert.equal(c.text, prompt);
  const lp = c.logprobs!;
  const tok = local.tokenize(prompt);
  const cp = codePointOffsets(prompt);
  // The tokenizer's exact spans, as code points; the BOS sits at 0 and covers nothing.
  assert.deepEqual(lp.text_offset, [0, ...tok.spans.map((s) => cp[s.start])]);
  const chars = [...c.text];
  lp.tokens!.forEach((t, i) => {
    if (i === 0 || t.includes('\uFFFD')) return;
    const end = i + 1 < lp.tokens!.length ? lp.text_offset![i + 1] : chars.length;
    assert.equal(chars.slice(lp.text_offset![i], end).join(''), t, `token ${i}`);
  });
});

test('a 50 MB body gets the 413 (through the openai client, and before it is sent when the client asks Expect: 100-continue), not a connection reset', async () => {
  // A server of its own: the client takes seconds to build the body, and an idle kept-alive connection
  // to the shared server could be closed by its keep-alive timeout just as the client reuses it.
  const server = await startServer({ model: local, port: 0 });
  after(() => server.close());
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  await assert.rejects(
    client.completions.create({ model: local.info.id, prompt: 'x'.repeat(50 * 1024 * 1024), max_tokens: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError && e.status === 413, String(e));
      assert.equal(e.message, '413 The request body is larger than 16777216 bytes.');
      return true;
    },
  );
  const { status, body, sent } = await new Promise<{ status: number; body: string; sent: boolean }>(
    (resolve, reject) => {
      const req = request(`${server.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': 50 * 1024 * 1024, expect: '100-continue' },
      });
      let sent = false;
      req.on('continue', () => {
        sent = true;
        req.end(Buffer.alloc(50 * 1024 * 1024, 32));
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body, sent }));
      });
      req.on('error', reject);
      req.flushHeaders();
    },
  );
  assert.deepEqual([status, sent, JSON.parse(body).error.code], [413, false, 413]);
  // The server still answers.
  assert.equal((await fetch(`${server.url}/v1/models`)).status, 200);
});

test('a 1.5 MB prompt is refused for the context length without being tokenized (a bound from its bytes), on /v1/completions and /tokenize', async () => {
  let tokenized = 0;
  const counted = Object.create(local) as OnnxModel;
  counted.tokenize = (text: string) => {
    tokenized++;
    return local.tokenize(text);
  };
  const server = await startServer({ model: counted, port: 0 });
  after(() => server.close());
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const prompt = Array.from({ length: 200_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36))
    .join(' ')
    .slice(0, 1_500_000);
  const atLeast = Math.ceil(Buffer.byteLength(prompt) / local.textBytesPerToken) + 1;
  await assert.rejects(client.completions.create({ model: local.info.id, prompt, max_tokens: 1 }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(
      e.message,
      `400 This model's maximum context length is 256 tokens. However, your prompt contains at least ${atLeast} input tokens. Please reduce the length of the input prompt.`,
    );
    return true;
  });
  const tok = await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ prompt }) });
  assert.equal(tok.status, 400);
  assert.equal(tokenized, 0, 'nothing was tokenized');
  // Under the bound, the exact count decides.
  await assert.rejects(
    client.completions.create({ model: local.info.id, prompt: 'word '.repeat(400), max_tokens: 1 }),
    /contains 402 input tokens/,
  );
  assert.equal(tokenized, 1);
});
