/**
 * `semantic-flow dialogue` on a real ONNX model whose chat template transformers.js applies (tiny-gpt2
 * with a template added in a temporary copy): conservation (identity 10), causality (identity 11),
 * chunking, the table, and the refusal of a model without a template.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';
import type { AnalysisResult } from '../../src/core/result';

const tmp = mkdtempSync(join(tmpdir(), 'sf-dialogue-'));
const CHAT_MODEL = join(tmp, 'tiny-chat');
cpSync(join(__dirname, '..', 'fixtures', 'models', 'tiny-gpt2'), CHAT_MODEL, { recursive: true });
const configFile = join(CHAT_MODEL, 'tokenizer_config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    ...JSON.parse(readFileSync(configFile, 'utf8')),
    chat_template:
      '{% for m in messages %}<|endoftext|>{{ m.role }}\n{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<|endoftext|>assistant\n{% endif %}',
  }),
);

const MESSAGES = [
  { role: 'system', content: 'You answer in one sentence.' },
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'The capital of France is Paris.' },
  { role: 'user', content: 'And of Italy?' },
  { role: 'assistant', content: 'The capital of Italy is Rome.' },
];
const JSONL = join(tmp, 'chat.jsonl');
writeFileSync(JSONL, MESSAGES.map((m) => JSON.stringify(m)).join('\n') + '\n');

const fakeIo = (stdin = '') => captureIo({ stdin, env: { SEMANTIC_FLOW_CACHE: join(tmp, 'cache') } });

async function dialogue(argv: string[], stdin = ''): Promise<AnalysisResult> {
  const io = fakeIo(stdin);
  assert.equal(await run(['dialogue', '--model', CHAT_MODEL, '--format', 'json', ...argv], io), 0, io.err);
  return JSON.parse(io.out);
}

test('dialogue on a chat template applied by transformers.js: turns located, conservation closes, the first user turn receives nothing', async () => {
  const r = await dialogue([JSONL]);
  const d = r.dialogue!;
  d.turns.forEach((t, k) => assert.equal(r.text.slice(t.start, t.end), MESSAGES[k].content));
  assert.equal(r.text, MESSAGES.map((m) => `<|endoftext|>${m.role}\n${m.content}\n`).join(''));
  const c = d.conservation;
  assert.ok(c.exact);
  assert.ok(Math.abs(c.gapBits) < 1e-9, `gap ${c.gapBits}`);
  // L_J from the ordinary token measures, L_X + L_Y from the baseline surprisals: î computed here
  const content = new Set(d.tokens.map((t) => t.index));
  const L_J = r.tokens.filter((t) => content.has(t.index)).reduce((a, t) => a + t.surprisalBits!, 0);
  const L_base = d.tokens.reduce((a, t) => a + t.baselineSurprisalBits!, 0);
  assert.ok(Math.abs(c.mutualInformationBits - (L_base - L_J)) < 1e-9);
  assert.ok(Math.abs(c.directedSumBits - (d.userToAssistant.totalBits + d.assistantToUser.totalBits)) < 1e-12);
  // identity 11 on ONNX Runtime: the same ids before the first assistant turn give bit-identical rows
  for (const t of d.tokens.filter((x) => x.turn === 1)) assert.deepEqual([t.iotaBits, t.klBits], [0, 0]);
  assert.ok(
    d.tokens.filter((x) => x.turn === 3).some((t) => Math.abs(t.iotaBits) > 1e-3),
    'the second user turn receives',
  );
});

test('dialogue: chunked passes equal one pass per 1e-4 bits per token; Markdown on standard input gives the same turns', async () => {
  const a = (await dialogue(['--chunk-size', '7', JSONL])).dialogue!;
  const b = (await dialogue(['--chunk-size', '512', JSONL])).dialogue!;
  a.tokens.forEach((t, i) => assert.ok(Math.abs(t.iotaBits - b.tokens[i].iotaBits) < 1e-4, `token ${i}`));
  const md = MESSAGES.map((m) => `${m.role[0].toUpperCase()}${m.role.slice(1)}: ${m.content}`).join('\n\n');
  const m = (await dialogue(['-'], md)).dialogue!;
  assert.deepEqual(
    m.turns.map((t) => [t.role, t.tokenStart, t.tokenEnd]),
    b.turns.map((t) => [t.role, t.tokenStart, t.tokenEnd]),
  );
  assert.ok(Math.abs(m.userToAssistant.totalBits - b.userToAssistant.totalBits) < 1e-4);
});

test('dialogue table: one row per turn with its direction, both directed informations and the conservation line', async () => {
  const io = fakeIo();
  assert.equal(
    await run(['dialogue', '--model', CHAT_MODEL, '--format', 'table', '--baseline-text', 'ok', JSONL], io),
    0,
    io.err,
  );
  const rows = io.out.split('\n').filter((l) => /^\d+\s+(system|user|assistant)\s/.test(l));
  assert.deepEqual(
    rows.map((l) => l.split(/\s+/)[1]),
    MESSAGES.map((m) => m.role),
  );
  assert.match(rows[2], /X → Y$/);
  assert.match(rows[3], /Y → X$/);
  assert.match(io.out, /baseline text "ok" in place of each of the other side's turns/);
  assert.match(io.out, /^I\(X → Y\), user → assistant = -?[\d.]+ bits \(compensator A = [\d.]+/m);
  assert.match(
    io.out,
    /^conservation: î\(X;Y\) = L_X \+ L_Y − L_J = -?[\d.]+ bits; I\(X → Y\) \+ I\(0Y → X\) = -?[\d.]+ bits; gap -?[\d.]+e[-+]\d+ bits/m,
  );
});

test('dialogue refuses a model without a chat template and a one-sided transcript, in one line', async () => {
  const builtin = fakeIo();
  assert.equal(await run(['dialogue', JSONL], builtin), 2);
  assert.match(builtin.err, /semantic-flow-mini has no chat template/);
  const oneSided = fakeIo('User: hello');
  assert.equal(await run(['dialogue', '--model', CHAT_MODEL, '-'], oneSided), 2);
  assert.match(oneSided.err, /has no assistant turn with text/);
});

test('dialogue on the Llama, SmolLM2 and Qwen2 fixture chat models: their templates lay out the turns, conservation closes, the first user turn receives nothing', async () => {
  const families = join(__dirname, '..', 'fixtures', 'models');
  for (const name of ['tiny-llama-instruct', 'tiny-smollm2-instruct', 'tiny-qwen2-instruct', 'tiny-llama2-chat']) {
    const file = join(tmp, `${name}.json`);
    writeFileSync(file, JSON.stringify(MESSAGES));
    const io = fakeIo();
    assert.equal(
      await run(['dialogue', '--model', join(families, name), '--format', 'json', file], io),
      0,
      `${name}: ${io.err}`,
    );
    const r: AnalysisResult = JSON.parse(io.out);
    const d = r.dialogue!;
    assert.equal(d.turns.length, MESSAGES.length, name);
    d.turns.forEach((t, k) => assert.equal(r.text.slice(t.start, t.end), MESSAGES[k].content, `${name} turn ${k + 1}`));
    assert.ok(
      d.conservation.exact && Math.abs(d.conservation.gapBits) < 1e-9,
      `${name}: gap ${d.conservation.gapBits}`,
    );
    for (const t of d.tokens.filter((x) => x.turn === 1))
      assert.deepEqual([t.iotaBits, t.klBits], [0, 0], `${name}: first user turn`);
    assert.ok(
      d.tokens.some((t) => t.direction === 'user-to-assistant' && Math.abs(t.iotaBits) > 1e-3),
      `${name}: the assistant receives`,
    );
  }
});
