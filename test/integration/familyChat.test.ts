/**
 * Directed information of a chat on instruction-tuned families: the model's own chat template (Llama
 * 3.2, Llama 2 [INST], SmolLM2 and Qwen2.5 ChatML) turns the messages into the text the model sees; the
 * prompt is everything before the assistant's content, the response that content; the result records
 * the template and messages; numbers equal raw ONNX Runtime passes over the templated tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directedInformation } from '../../src/core/directedInformation';
import type { AnalysisResult } from '../../src/core/result';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { run } from '../../src/cli/run';
import { captureIo as fakeIo } from '../helpers/captureIo';
import { rawLog2Probs } from '../helpers/rawOrt';
import { FAMILIES, MODELS } from '../helpers/families';

const USER = 'Where did the children walk?',
  ANSWER = 'Along the stony bed of the river.';
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Where each family's template puts the assistant's content, written out by hand from the published templates. */
const AROUND: Record<string, (user: string) => [string, string]> = {
  'tiny-llama-instruct': (u) => [
    `<|start_header_id|>user<|end_header_id|>\n\n${u}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    '<|eot_id|>',
  ],
  'tiny-llama2-chat': (u) => [`<s>[INST] ${u} [/INST] `, ' </s>'],
  'tiny-smollm2-instruct': (u) => [`<|im_start|>user\n${u}<|im_end|>\n<|im_start|>assistant\n`, '<|im_end|>\n'],
  'tiny-qwen2-instruct': (u) => [`<|im_start|>user\n${u}<|im_end|>\n<|im_start|>assistant\n`, '<|im_end|>\n'],
};

/** Independent: iota per response token from raw passes over the templated ids (a template that opens with BOS gets no second one). */
async function assertRawPasses(dir: string, model: OnnxModel, di: NonNullable<AnalysisResult['di']>): Promise<void> {
  const resp = di.tokens.map((t) => t.id),
    bos = model.info.bosTokenId!;
  const prefix = di.promptTokenIds[0] === bos ? [] : [bos];
  const pa = (await rawLog2Probs(dir, [...prefix, ...di.promptTokenIds, ...resp])).slice(-resp.length);
  const pb = (await rawLog2Probs(dir, [bos, ...resp])).slice(-resp.length);
  di.tokens.forEach((t, k) =>
    assert.ok(Math.abs(t.iotaBits - (pa[k] - pb[k])) < 1e-4, `iota ${k}: ${t.iotaBits} vs ${pa[k] - pb[k]}`),
  );
  assert.equal(di.tokens.filter((t) => t.special).length, 0, 'the response holds only the assistant content');
  assert.ok(Math.abs(di.totalBits - (sum(pa) - sum(pb))) < 1e-3);
}

for (const name of FAMILIES) {
  const dir = join(MODELS, name);

  test(`${name}: DI of a chat scores the assistant turn after the user turn as the template renders them`, async () => {
    const model = await OnnxModel.load({ modelDir: dir, threads: 1 });
    try {
      const messages = [
        { role: 'user', content: USER },
        { role: 'assistant', content: ANSWER },
      ];
      const r = await directedInformation(model, { messages });
      const di = r.di!;
      const [before, after] = AROUND[name](USER);
      assert.ok(r.text.endsWith(`${before}${ANSWER}${after}`), JSON.stringify(r.text));
      assert.equal(r.text.slice(di.responseStart, di.responseEnd), ANSWER);
      assert.ok(di.promptText.endsWith(before), 'the prompt is the templated text up to the assistant content');
      assert.equal(di.input, 'chat');
      assert.deepEqual(di.chat, {
        template: JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).chat_template,
        messages,
      });
      await assertRawPasses(dir, model, di);
    } finally {
      await model.dispose();
    }
  });
}

test('tiny-llama2-chat: DI of a multi-turn chat, where "<s>" opens each later turn mid-text, scores the last assistant turn after all the earlier ones', async () => {
  const dir = join(MODELS, 'tiny-llama2-chat');
  const model = await OnnxModel.load({ modelDir: dir, threads: 1 });
  try {
    const messages = [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: USER },
      { role: 'assistant', content: ANSWER },
      { role: 'user', content: 'And then?' },
      { role: 'assistant', content: 'Home to the mill.' },
    ];
    const r = await directedInformation(model, { messages });
    // Llama 2's published template, written out by hand: the system message opens the first user turn
    assert.equal(
      r.text,
      `<s>[INST] <<SYS>>\nAnswer briefly.\n<</SYS>>\n\n${USER} [/INST] ${ANSWER} </s><s>[INST] And then? [/INST] Home to the mill. </s>`,
    );
    const di = r.di!;
    assert.equal(r.text.slice(di.responseStart, di.responseEnd), 'Home to the mill.');
    assert.equal(di.promptText, r.text.slice(0, r.text.lastIndexOf('Home')));
    await assertRawPasses(dir, model, di);
  } finally {
    await model.dispose();
  }
});

test('semantic-flow di --chat: prompt and response become the user and assistant turns; --system adds a system turn', async () => {
  const io = fakeIo();
  const dir = join(MODELS, 'tiny-qwen2-instruct');
  assert.equal(
    await run(
      [
        'di',
        '--model',
        dir,
        '--chat',
        '--system',
        'Answer briefly.',
        '--prompt',
        USER,
        '--response',
        ANSWER,
        '--format',
        'json',
      ],
      io,
    ),
    0,
    io.err,
  );
  const r = JSON.parse(io.out);
  assert.ok(r.text.startsWith('<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\n'));
  assert.deepEqual(
    r.di.chat.messages.map((m: { role: string }) => m.role),
    ['system', 'user', 'assistant'],
  );
  assert.equal(r.text.slice(r.di.responseStart, r.di.responseEnd), ANSWER);
  // Llama 3's template trims every message: a prompt from a file, with its final line break, still works
  const trimmed = fakeIo();
  assert.equal(
    await run(
      [
        'di',
        '--model',
        join(MODELS, 'tiny-llama-instruct'),
        '--chat',
        '--prompt',
        `${USER}\n`,
        '--response',
        `${ANSWER}\n`,
        '--format',
        'json',
      ],
      trimmed,
    ),
    0,
    trimmed.err,
  );
  const t = JSON.parse(trimmed.out);
  assert.ok(t.text.includes(`<|end_header_id|>\n\n${USER}<|eot_id|>`), t.text);
  assert.equal(t.text.slice(t.di.responseStart, t.di.responseEnd), ANSWER);
  const plain = fakeIo();
  assert.equal(await run(['di', '--model', dir, '--system', 'x', '--prompt', USER, '--response', ANSWER], plain), 2);
  assert.match(plain.err, /`--system` goes with `--chat`/);
});
