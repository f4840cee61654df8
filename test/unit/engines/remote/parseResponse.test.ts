/** Recorded server bodies (test/fixtures/remote) → rows → one result shape, whatever the server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseEchoLogprobs,
  parseJsonBody,
  parseResponse,
  parseSglangGenerate,
  parseTgiGenerate,
  parseVllmPromptLogprobs,
} from '../../../../src/engines/remote/parseResponse';
import { rowsToResult } from '../../../../src/engines/remote/rowsToResult';
import type { ModelInfo } from '../../../../src/core/result';
import type { RemoteFlavor } from '../../../../src/engines/remote/types';
import { fixture } from './helpers/fakeServer';

const TEXT = 'The cat sat on the mat.';
const info: ModelInfo = {
  id: 'gpt2',
  device: 'remote',
  requestedDevice: 'remote',
  dtype: 'server',
  fallbackReason: null,
  vocabSize: 50257,
  contextWindow: 1024,
  bosTokenId: null,
  eosTokenId: null,
  entropyBounded: true,
};
const bodies: [RemoteFlavor, string][] = [
  ['vllm', 'vllm-prompt-logprobs.json'],
  ['echo', 'vllm-echo-logprobs.json'],
  ['sglang', 'sglang-generate.json'],
  ['tgi', 'tgi-generate.json'],
];

test('vLLM prompt_logprobs: the prompt token is the first key of each dict, although JSON.parse would sort integer keys', () => {
  const rows = parseVllmPromptLogprobs(fixture('vllm-prompt-logprobs.json'));
  assert.equal(rows.length, 7);
  assert.deepEqual(rows[0], { id: null, piece: null, logprob: null, rank: null, top: null });
  assert.equal(rows[1].id, 3797);
  assert.equal(rows[1].piece, ' cat');
  assert.equal(rows[1].rank, 43299);
  assert.deepEqual(
    rows[1].top!.map((e) => e.id),
    [4600, 198, 262, 220, 685],
    'top-5 only, most probable first; the prompt token (rank 43299) is not among them',
  );
  const inTop = rows.find((r) => r.rank !== null && r.rank <= 5)!;
  assert.ok(
    inTop.top!.some((e) => e.id === inTop.id),
    'a prompt token inside the top-k is listed once, in the top-k',
  );
  // without the order-keeping parse the first key would be the smallest id
  const naive = JSON.parse(fixture('vllm-prompt-logprobs.json')).choices[0].prompt_logprobs[1];
  assert.notEqual(Object.keys(naive)[0], '3797');
});

test('every recorded body parses into the same tokens, spans and surprisal (bits), with what each server gives', () => {
  const results = bodies.map(([flavor, file]) =>
    rowsToResult(TEXT, parseResponse(flavor, fixture(file), { topK: 5 }), info, { topK: 5 }),
  );
  for (const [i, r] of results.entries()) {
    const name = bodies[i][0];
    assert.equal(r.tokens.map((t) => t.text).join(''), TEXT, name);
    assert.deepEqual(
      r.tokens.map((t) => [t.start, t.end]),
      results[0].tokens.map((t) => [t.start, t.end]),
      name,
    );
    assert.equal(r.tokens[0].surprisalBits, null, `${name}: nothing conditions the first token`);
    r.tokens.forEach((t, j) => {
      const ref = results[0].tokens[j].surprisalBits;
      if (ref === null) return;
      assert.ok(Math.abs(t.surprisalBits! - ref) < 1e-9, `${name} token ${j}`);
      assert.equal(t.entropyBits, null, 'never a made-up entropy');
      const b = t.entropyBoundsBits!;
      assert.ok(
        b.lower >= 0 && b.lower <= b.upper && b.upper <= Math.log2(50257) + 1e-9,
        `${name} bounds ${JSON.stringify(b)}`,
      );
    });
    assert.ok(Math.abs(r.summary.totalBits - results[0].summary.totalBits) < 1e-9);
    assert.equal(r.summary.meanEntropyBits, null);
  }
  const [vllm, echo, sglang, tgi] = results;
  assert.equal(vllm.tokens[1].rank, 43299, 'vLLM gives the rank');
  assert.equal(echo.tokens[1].rank, null, 'echo: rank unknown outside the top-k');
  assert.equal(sglang.tokens[1].rank, null);
  assert.equal(tgi.tokens[1].topK, null, 'TGI: no alternatives for prefill');
  assert.deepEqual(
    echo.tokens[1].topK!.map((a) => a.text),
    [' `', '\n', ' the', ' ', ' ['],
    'echo: the extra prompt-token entry is not a top-k entry',
  );
  assert.deepEqual(
    sglang.tokens[1].topK!.map((a) => a.id),
    vllm.tokens[1].topK!.map((a) => a.id),
  );
  // where the rank is not sent but the token is in the top-k, it is exact
  const j = vllm.tokens.findIndex((t) => t.rank !== null && t.rank <= 5);
  assert.equal(sglang.tokens[j].rank, vllm.tokens[j].rank);
  assert.ok(
    tgi.tokens[1].entropyBoundsBits!.upper - tgi.tokens[1].entropyBoundsBits!.lower >
      vllm.tokens[1].entropyBoundsBits!.upper - vllm.tokens[1].entropyBoundsBits!.lower,
    'no top-k: wider bounds',
  );
});

test('echo: a text-keyed dict whose alternatives collide (byte tokens all decode to U+FFFD) does not fake a rank', () => {
  const body = {
    choices: [
      {
        logprobs: {
          tokens: ['a', '\uFFFD'],
          token_logprobs: [null, -9],
          top_logprobs: [null, { '\uFFFD': -0.5, b: -1, c: -2, d: -3 }],
          text_offset: [0, 1],
        },
      },
    ],
  };
  // k = 5 asked; the dict has 4 entries because several byte tokens share the text U+FFFD
  const rows = parseEchoLogprobs(body, { topK: 5 });
  assert.equal(rows[1].rank, null);
  assert.equal(rows[1].topComplete, false, 'a collapsed dict does not cap the unlisted tokens: bounds stay valid');
  const inside = parseEchoLogprobs({
    choices: [
      { logprobs: { tokens: ['a', 'c'], token_logprobs: [null, -2], top_logprobs: [null, { x: -0.5, c: -2, d: -3 }] } },
    ],
  });
  assert.equal(inside[1].rank, 2, 'a less probable alternative is listed: the token is a top-k member');
});

test('echo: the generated token at the end (usage.completion_tokens) is not a prompt row', () => {
  const rows = parseEchoLogprobs(fixture('vllm-echo-logprobs.json'));
  assert.equal(rows.length, 7);
  assert.deepEqual(
    rows.map((r) => r.textOffset),
    [0, 3, 7, 11, 14, 18, 22],
  );
});

test('vLLM with BOS and characters split across tokens: spans widen to the character and reproduce the text', () => {
  const text = 'Nice 👍🏽 café';
  const body = fixture('vllm-prompt-logprobs-emoji.json');
  const rows = parseVllmPromptLogprobs(body);
  assert.equal(rows[0].id, 50256, 'prompt_token_ids names the first (BOS) token');
  assert.ok(rows.some((r) => r.piece === '\uFFFD'));
  const r = rowsToResult(text, rows, info, { topK: 3 });
  assert.equal(r.tokens.length, rows.length - 1, 'the BOS row is dropped');
  assert.equal(r.options!.bos, true);
  assert.notEqual(r.tokens[0].surprisalBits, null, 'the first text token is scored after BOS');
  let rebuilt = '',
    covered = 0;
  for (const t of r.tokens)
    if (t.end > covered) {
      rebuilt += text.slice(Math.max(covered, t.start), t.end);
      covered = t.end;
    }
  assert.equal(rebuilt, text);
  assert.deepEqual(
    r.tokens.map((t) => t.text),
    ['Nice', ' 👍', '👍', '🏽', '🏽', '🏽', ' café'],
  );
});

test('TGI: prefill rows; without --enable-prefill-logprobs there are none', () => {
  const rows = parseTgiGenerate(fixture('tgi-generate.json'));
  assert.equal(rows.length, 7);
  assert.deepEqual(rows[1], { id: 3797, piece: ' cat', logprob: rows[1].logprob, rank: null, top: null });
  assert.deepEqual(parseTgiGenerate(fixture('tgi-generate-no-prefill.json')), []);
});

test('SGLang: [logprob, id, text] triples, also without text', () => {
  const rows = parseSglangGenerate({
    meta_info: {
      input_token_logprobs: [
        [null, 5, null],
        [-1.5, 7, null],
      ],
      input_top_logprobs: [
        null,
        [
          [-0.5, 9, null],
          [-1.5, 7, null],
        ],
      ],
    },
  });
  assert.equal(rows[1].piece, null);
  assert.equal(rows[1].rank, 2);
});

test('Python -Infinity/NaN numbers and non-JSON answers', () => {
  const j = parseJsonBody('{"a":[-Infinity, NaN],"b":{"x":-Infinity}}') as { a: unknown[]; b: { x: unknown } };
  assert.deepEqual(j.a, ['-Infinity', 'NaN']);
  const rows = parseVllmPromptLogprobs(
    '{"choices":[{"prompt_logprobs":[null,{"5":{"logprob":-Infinity,"rank":9,"decoded_token":"x"}}]}]}',
  );
  assert.equal(rows[1].logprob, -Infinity);
  assert.throws(
    () => parseJsonBody('<html>502 Bad Gateway</html>'),
    (e: Error & { code?: string }) => e.code === 'protocol-mismatch' && /not JSON/.test(e.message),
  );
  assert.throws(() => parseVllmPromptLogprobs('{"choices":[{"text":"x"}]}'), /no `prompt_logprobs` list/);
});
