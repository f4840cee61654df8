/**
 * Identities 12 and 13 (measures.md, "Directed information in a dialogue") on a real engine: the weightless
 * copying model test/fixtures/models/tiny-copy-chat (tools/fixtures/copyChatOnnx.mjs), its chat template
 * applied by transformers.js, scored by ONNX Runtime. Its costs are known exactly, so "near" has a bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';
import type { AnalysisResult, DialogueResult } from '../../src/core/result';
// @ts-expect-error the fixture builder is plain JavaScript
import { ORDER1_BONUS, ORDER2_BONUS } from '../../tools/fixtures/copyChatOnnx.mjs';

const MODEL = join(__dirname, '..', 'fixtures', 'models', 'tiny-copy-chat');
const V = 400;
const tmp = mkdtempSync(join(tmpdir(), 'sf-copy-chat-'));

async function dialogue(
  messages: { role: string; content: string }[],
): Promise<AnalysisResult & { dialogue: DialogueResult }> {
  const file = join(tmp, `chat-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(messages));
  const io = captureIo({ env: { SEMANTIC_FLOW_CACHE: join(tmp, 'cache') } });
  assert.equal(await run(['dialogue', '--model', MODEL, '--format', 'json', file], io), 0, io.err);
  return JSON.parse(io.out);
}

// the worst a token can cost: another token holds the order-1 bonus; a continued order-2 match costs COPY
const WRONG_ORDER1 = Math.log2(Math.exp(ORDER1_BONUS) + V - 1);
const COPY = Math.log2(1 + (V - 1) * Math.exp(-ORDER2_BONUS));

test('identity 12 on ONNX Runtime: an assistant that repeats the user receives all but a bounded few bits of its own', async () => {
  const line = 'the river carried the old boat past the mill.';
  const r = await dialogue([
    { role: 'user', content: line },
    { role: 'assistant', content: line },
  ]);
  const ids = r.dialogue.tokens.filter((t) => t.direction === 'user-to-assistant').map((t) => t.id);
  const bigrams = ids.slice(1).map((id, i) => `${ids[i]},${id}`);
  assert.equal(
    new Set(bigrams).size,
    bigrams.length,
    'precondition: no token bigram repeats, so every order-2 match points at the right continuation',
  );
  const d = r.dialogue.userToAssistant;
  // the first token can follow only a guess from the header; every later one continues an order-2 match
  const bound = WRONG_ORDER1 + (ids.length - 1) * COPY;
  const shortfall = d.baselineBits - d.totalBits; // = the assistant's bits with the user present
  assert.ok(shortfall >= 0 && shortfall <= bound + 1e-6, `L_Y − I(X→Y) = ${shortfall} bits, bound ${bound}`);
  assert.ok(d.totalBits > 0.9 * d.baselineBits, `I(X→Y) = ${d.totalBits} of ${d.baselineBits} bits`);
  assert.ok(Math.abs(r.dialogue.conservation.gapBits) < 1e-9);
});

test("identity 13 on ONNX Runtime: user turns that share no token with the assistant's receive nothing (I(0Y → X) = 0)", async () => {
  const r = await dialogue([
    { role: 'user', content: '1234-5678' },
    { role: 'assistant', content: 'the old boat.' },
    { role: 'user', content: '8765-4321-99' },
    { role: 'assistant', content: 'a river ran.' },
    { role: 'user', content: '555-12' },
  ]);
  const side = (dir: string) => new Set(r.dialogue.tokens.filter((t) => t.direction === dir).map((t) => t.id));
  const user = side('assistant-to-user');
  assert.ok(
    [...side('user-to-assistant')].every((id) => !user.has(id)),
    'precondition: disjoint token sets',
  );
  // every user row sees the same positions holding user tokens and template tokens in both passes
  assert.equal(r.dialogue.assistantToUser.totalBits, 0);
  assert.equal(r.dialogue.assistantToUser.totalKlBits, 0);
  assert.ok(r.dialogue.assistantToUser.baselineBits > 100, 'the user side has bits that could have been received');
});
