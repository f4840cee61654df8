/** The capability probe: which request form, how many log-probs, and one clear message per server limitation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteModel } from '../../../../src/engines/remote/remoteModel';
import { fixture, startFakeServer, type FakeAnswer, type FakeRequest } from './helpers/fakeServer';

async function withServer(
  handler: (r: FakeRequest) => FakeAnswer,
  fn: (url: string, reqs: FakeRequest[]) => Promise<void>,
) {
  const s = await startFakeServer(handler);
  try {
    await fn(s.url, s.requests);
  } finally {
    await s.close();
  }
}

const errWith = (code: string, re: RegExp) => (e: Error & { code?: string }) => {
  assert.equal(e.code, code, e.message);
  assert.match(e.message, re);
  return true;
};

/** A vLLM that allows 20 log-probs and answers with the recorded body. */
const vllm = (r: FakeRequest): FakeAnswer => {
  if (r.path === '/v1/models') return { body: fixture('vllm-models.json') };
  if (r.path === '/v1/completions' && typeof r.body?.prompt_logprobs === 'number') {
    return r.body.prompt_logprobs > 20
      ? { status: 400, body: fixture('vllm-max-logprobs-error.json') }
      : { body: fixture('vllm-prompt-logprobs.json') };
  }
  return { status: 404, body: { detail: 'Not Found' } };
};

test('vLLM: prompt_logprobs chosen, rank available; --top-k above --max-logprobs is clamped with a notice', async () => {
  await withServer(vllm, async (url, reqs) => {
    const notices: string[] = [];
    const m = await RemoteModel.connect({
      endpoint: url,
      topK: 50,
      vocabSize: 50257,
      onNotice: (n) => notices.push(n),
    });
    assert.equal(m.caps.flavor, 'vllm');
    assert.equal(m.caps.rank, true);
    assert.equal(m.caps.maxTopK, 20);
    assert.equal(m.info.id, 'openai-community/gpt2');
    assert.equal(m.info.contextWindow, 1024);
    assert.equal(m.info.entropyBounded, true);
    assert.equal(m.scoring, null);
    assert.match(
      notices.join('\n'),
      /allows at most 20 log-probs per token \(vLLM --max-logprobs\); top-k lowered from 50 to 20/,
    );
    const r = await m.analyze('The cat sat on the mat.', { topK: 50 });
    assert.equal(reqs.at(-1)!.body!.prompt_logprobs, 20);
    assert.equal(r.tokens[1].rank, 43299);
    assert.equal(
      notices.filter((n) => /top-k lowered/.test(n)).length,
      1,
      `said once, at connect and analysis together: ${notices.join(' | ')}`,
    );
  });
});

test('vLLM: with --strict-top-k the same request is an error that says what to change', async () => {
  await withServer(vllm, async (url) => {
    await assert.rejects(
      RemoteModel.connect({ endpoint: url, topK: 50, topKPolicy: 'error' }),
      errWith(
        'server-limitation',
        /Top-k 50 is more than the server at .* allows \(20 log-probs per token.*restart vLLM with --max-logprobs 50/,
      ),
    );
  });
});

test('unknown vocabulary size: a notice, and no entropy bounds rather than wrong ones', async () => {
  await withServer(vllm, async (url) => {
    const notices: string[] = [];
    const m = await RemoteModel.connect({ endpoint: url, onNotice: (n) => notices.push(n) });
    assert.match(notices.join('\n'), /pass --vocab-size N/);
    const r = await m.analyze('The cat sat on the mat.');
    assert.equal(r.tokens[1].entropyBoundsBits, undefined);
  });
});

test('TGI without --enable-prefill-logprobs: the one message naming the flag', async () => {
  await withServer(
    (r) => {
      if (r.path === '/info') return { body: { model_id: 'gpt2', max_input_tokens: 1023 } };
      if (r.path === '/generate') return { body: fixture('tgi-generate-no-prefill.json') };
      return { status: 404, body: '' };
    },
    async (url) => {
      await assert.rejects(
        RemoteModel.connect({ endpoint: url }),
        errWith(
          'server-limitation',
          /TGI server at .* returns no prompt log-probabilities: since TGI 3\.0 the launcher needs --enable-prefill-logprobs/,
        ),
      );
    },
  );
});

test('TGI with prefill log-probs: surprisal only, with a notice', async () => {
  await withServer(
    (r) => {
      if (r.path === '/info') return { body: { model_id: 'gpt2', max_input_tokens: 1023 } };
      if (r.path === '/generate') return { body: fixture('tgi-generate.json') };
      return { status: 404, body: '' };
    },
    async (url, reqs) => {
      const notices: string[] = [];
      const m = await RemoteModel.connect({ endpoint: url, vocabSize: 50257, onNotice: (n) => notices.push(n) });
      assert.equal(m.caps.flavor, 'tgi');
      assert.deepEqual(reqs.at(-1)!.body!.parameters, {
        max_new_tokens: 1,
        details: true,
        decoder_input_details: true,
      });
      assert.match(notices.join('\n'), /TGI gives no alternatives for prompt tokens/);
      const r = await m.analyze('The cat sat on the mat.');
      assert.equal(r.tokens[2].topK, null);
      assert.ok(r.tokens[2].surprisalBits! > 0 && r.tokens[2].entropyBoundsBits!.upper > 0);
    },
  );
});

test('llama.cpp (generated-token log-probs only): the one message saying why, and what works', async () => {
  await withServer(
    (r) => {
      if (r.path === '/v1/models') return { body: fixture('llamacpp-models.json') };
      if (r.path === '/v1/completions') return { body: fixture('llamacpp-completions-logprobs.json') };
      return { status: 404, body: { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } } };
    },
    async (url) => {
      await assert.rejects(
        RemoteModel.connect({ endpoint: url }),
        errWith(
          'server-limitation',
          /\(llama\.cpp\) returns log-probabilities for generated tokens only, not for the prompt.*vllm serve MODEL --max-logprobs 20/,
        ),
      );
    },
  );
});

test('OpenAI-style refusal of echo + logprobs: quoted', async () => {
  await withServer(
    (r) => {
      if (r.path === '/v1/models')
        return {
          body: { object: 'list', data: [{ id: 'gpt-3.5-turbo-instruct', object: 'model', owned_by: 'system' }] },
        };
      if (r.path === '/v1/completions')
        return r.body?.echo
          ? { status: 400, body: fixture('openai-echo-refused.json') }
          : { body: { choices: [{ text: 'x', logprobs: null }] } };
      return { status: 404, body: '' };
    },
    async (url) => {
      await assert.rejects(
        RemoteModel.connect({ endpoint: url }),
        errWith(
          'server-limitation',
          /does not score prompt tokens for model gpt-3\.5-turbo-instruct: "Setting 'echo' and 'logprobs' at the same time is not supported/,
        ),
      );
    },
  );
});

test('SGLang (owned_by sglang): native /generate with return_logprob, logprob_start_len 0, top_logprobs_num', async () => {
  await withServer(
    (r) => {
      if (r.path === '/v1/models')
        return {
          body: { object: 'list', data: [{ id: 'gpt2', object: 'model', owned_by: 'sglang', max_model_len: 1024 }] },
        };
      if (r.path === '/generate') return { body: fixture('sglang-generate.json') };
      return { status: 404, body: '' };
    },
    async (url, reqs) => {
      const m = await RemoteModel.connect({ endpoint: url, vocabSize: 50257 });
      assert.equal(m.caps.flavor, 'sglang');
      assert.equal(m.caps.rank, false);
      const b = reqs.at(-1)!.body!;
      assert.equal(b.return_logprob, true);
      assert.equal(b.logprob_start_len, 0);
      assert.equal(b.top_logprobs_num, 5);
      const r = await m.analyze('The cat sat on the mat.');
      assert.equal(r.tokens[1].topK!.length, 5);
    },
  );
});

test('a model the server does not serve, and a context-length refusal', async () => {
  await withServer(
    (r) => {
      if (r.path === '/v1/models') return { body: fixture('vllm-models.json') };
      if (r.body?.prompt !== 'Hello world, hello')
        return {
          status: 400,
          body: {
            object: 'error',
            message:
              "This model's maximum context length is 1024 tokens. However, you requested 3001 tokens (3000 in the messages, 1 in the completion).",
            code: 400,
          },
        };
      return { body: fixture('vllm-prompt-logprobs.json') };
    },
    async (url) => {
      await assert.rejects(
        RemoteModel.connect({ endpoint: url, model: 'llama' }),
        errWith('bad-argument', /serves openai-community\/gpt2, not llama; choose one of those with --remote-model/),
      );
      const m = await RemoteModel.connect({ endpoint: url });
      await assert.rejects(
        m.analyze('long '.repeat(3000)),
        errWith('too-large', /more tokens than the context window of the model at .* \(1024 tokens\)/),
      );
    },
  );
});
