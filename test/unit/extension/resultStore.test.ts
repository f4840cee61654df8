/** ResultStore's live stream: the one place a running generation's tokens live, bounded, ended by its result. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as Store from '../../../src/extension/resultStore';
import { installFakeVscode, makeFakeVscode } from '../panel/fakeVscode';
import { generatedToken, plainResult } from '../panel/fixtures';

installFakeVscode(makeFakeVscode().api);
let ResultStore: typeof Store.ResultStore;
let MAX_STREAM_TOKENS: number;
before(async () => {
  ({ ResultStore, MAX_STREAM_TOKENS } = await import('../../../src/extension/resultStore'));
});

const GEN = 'semantic-flow:/generation/1';

describe('ResultStore stream', () => {
  it('appends tokens, and starts a new stream at an index not after the last one or for another URI', () => {
    const store = new ResultStore();
    const events: { uri: string; reset: boolean }[] = [];
    store.onDidStream((e) => events.push(e));
    // Generated tokens carry their index in the result: after a 4-token prompt, 4, 5, …
    store.streamToken(GEN, generatedToken(4, 'a'));
    store.streamToken(GEN, generatedToken(5, 'b'));
    assert.deepEqual(
      store.stream()?.tokens.map((t) => t.text),
      ['a', 'b'],
    );
    store.streamToken(GEN, generatedToken(4, 'c'));
    store.streamToken('semantic-flow:/generation/2', generatedToken(1, 'd'));
    assert.deepEqual(events, [
      { uri: GEN, reset: true },
      { uri: GEN, reset: false },
      { uri: GEN, reset: true },
      { uri: 'semantic-flow:/generation/2', reset: true },
    ]);
    assert.deepEqual(store.stream(), { uri: 'semantic-flow:/generation/2', tokens: [generatedToken(1, 'd')] });
  });

  it('keeps at most MAX_STREAM_TOKENS tokens of a runaway generation', () => {
    const store = new ResultStore();
    let fired = 0;
    store.onDidStream(() => fired++);
    for (let i = 0; i < MAX_STREAM_TOKENS + 5; i++) store.streamToken(GEN, generatedToken(i, 'x'));
    assert.equal(store.stream()?.tokens.length, MAX_STREAM_TOKENS);
    assert.equal(fired, MAX_STREAM_TOKENS);
  });

  it("ends the stream when its result is stored, not when another document's is", () => {
    const store = new ResultStore();
    store.streamToken(GEN, generatedToken(0, 'a'));
    store.set({ uri: 'file:///other.md', documentVersion: 1, offset: 0, result: plainResult() });
    assert.equal(store.stream()?.uri, GEN);
    store.set({ uri: GEN, documentVersion: 0, offset: 0, result: plainResult(), kind: 'generate' });
    assert.equal(store.stream(), undefined);
    assert.equal(store.latest()?.uri, GEN);
  });
});
