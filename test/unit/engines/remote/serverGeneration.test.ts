/**
 * serve's decoding on the hand-built model (greedy continues a → b → c …): a character split across two
 * tokens appears whole, stop strings are cut and never streamed in part, EOS and the context window end
 * the text with vLLM's finish reasons, and every cache is closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeCompletion,
  type CompletionToken,
  type DecodeOptions,
} from '../../../../src/engines/remote/serverGeneration';
import type { LocalEngine } from '../../../../src/engines/remote/serverScoring';
import { FakeModel, fakeInfo } from '../../../helpers/fakeModel';

/** Token bytes: 'c' and 'd' are the two bytes of 'é' (0xC3 0xA9); EOS (7) adds nothing; the rest are their letter. */
class ByteModel extends FakeModel {
  decodedBytes(id: number): Uint8Array {
    if (id === 2) return Uint8Array.of(0xc3);
    if (id === 3) return Uint8Array.of(0xa9);
    if (id === this.info.eosTokenId) return new Uint8Array(0);
    return Uint8Array.of(97 + id);
  }
}

const greedy = (o: Partial<DecodeOptions> = {}): DecodeOptions => ({
  maxTokens: 4,
  temperature: 0,
  topP: 1,
  topK: 0,
  seed: 0,
  stop: [],
  stopTokenIds: [],
  ignoreEos: false,
  logprobs: 0,
  ...o,
});

async function run(model: ByteModel, prompt: number[], o: DecodeOptions) {
  const streamed: CompletionToken[] = [];
  const out = await decodeCompletion(model as unknown as LocalEngine, prompt, o, (t) => streamed.push(t));
  assert.equal(model.leakedCaches(), 0);
  return { out, streamed };
}

test('a character split across two tokens is released whole, by the token that completes it', async () => {
  const { out, streamed } = await run(new ByteModel(fakeInfo({ eosTokenId: null })), [7, 0, 1], greedy());
  assert.deepEqual(
    out.tokens.map((t) => t.id),
    [2, 3, 4, 5],
  );
  assert.deepEqual(
    streamed.map((t) => t.delta),
    ['', 'é', 'e', 'f'],
  );
  assert.equal(out.text, 'éef');
  assert.deepEqual([out.finishReason, out.stopReason, streamed[3].finishReason], ['length', null, 'length']);
});

test('a stop string is cut from the text, and no part of it is released before it is complete', async () => {
  const { out, streamed } = await run(
    new ByteModel(fakeInfo({ eosTokenId: null })),
    [7, 0],
    greedy({ maxTokens: 8, stop: ['zz', 'def'] }),
  );
  assert.equal(out.text, 'béefgha'); // "def" never appears: c and d decode to é
  const cut = await run(new ByteModel(fakeInfo({ eosTokenId: null })), [7, 0], greedy({ maxTokens: 8, stop: ['efg'] }));
  assert.equal(cut.out.text, 'bé');
  assert.deepEqual([cut.out.finishReason, cut.out.stopReason], ['stop', 'efg']);
  assert.equal(cut.streamed.map((t) => t.delta).join(''), 'bé');
  assert.ok(cut.streamed.every((t) => !t.delta.includes('e') && !t.delta.includes('f')));
  assert.equal(streamed.map((t) => t.delta).join(''), out.text);
});

test('EOS ends the text with "stop" and no stop_reason (unless ignore_eos); the context window ends it with "length"', async () => {
  const eos = await run(new ByteModel(fakeInfo({ eosTokenId: 7 })), [7, 4], greedy({ maxTokens: 10 }));
  assert.deepEqual(
    eos.out.tokens.map((t) => t.id),
    [5, 6, 7],
  );
  assert.deepEqual([eos.out.text, eos.out.finishReason, eos.out.stopReason], ['fg', 'stop', null]);
  const ignored = await run(
    new ByteModel(fakeInfo({ eosTokenId: 7 })),
    [7, 4],
    greedy({ maxTokens: 5, ignoreEos: true }),
  );
  assert.deepEqual(
    ignored.out.tokens.map((t) => t.id),
    [5, 6, 7, 0, 1],
  );
  const window = await run(
    new ByteModel(fakeInfo({ eosTokenId: null, contextWindow: 5 })),
    [7, 0, 1],
    greedy({ maxTokens: 10 }),
  );
  assert.deepEqual([window.out.tokens.length, window.out.finishReason], [2, 'length']);
  const stopId = await run(
    new ByteModel(fakeInfo({ eosTokenId: null })),
    [7, 0],
    greedy({ maxTokens: 10, stopTokenIds: [4] }),
  );
  assert.deepEqual(
    [stopId.out.tokens.map((t) => t.id), stopId.out.finishReason, stopId.out.stopReason],
    [[1, 2, 3, 4], 'stop', 4],
  );
});
