/**
 * A streamed analysis (keepTokens: false) holds the text's tokens packed while it scores: the heap it keeps
 * mid-run, after forced collections, is the sequence to score and the spans in typed arrays (13 bytes a
 * token, packedTokens.ts), not the tokenizer's arrays of numbers, span objects and booleans (about 70 bytes a
 * token more). The model is a constant one of 4 ids, so 200,000 tokens take well under a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeText } from '../../../src/core/analyze';
import { type PackedTokens, packTokens } from '../../../src/core/packedTokens';
import type { TokenRecord } from '../../../src/core/result';
import type { ForwardInput, ForwardOutput, ScoringModel, TokenizedText } from '../../../src/core/scoringModel';
import { fakeInfo } from '../../helpers/fakeModel';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** The JavaScript heap and the typed arrays' buffers (outside the heap), after forced collections. */
const heapAfterGc = (): number => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Every position predicts the 4 ids alike; one character is one token. */
class ConstantModel implements ScoringModel {
  readonly info = fakeInfo({ vocabSize: 4, contextWindow: null });
  tokenize(text: string): TokenizedText {
    const ids = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i) % 4);
    return { ids, spans: ids.map((_, i) => ({ start: i, end: i + 1 })), special: ids.map(() => false) };
  }
  tokenText(id: number): string {
    return String(id);
  }
  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const seq = input.inputIds[0].length;
    const length = (input.past?.length ?? 0) + seq;
    const cache = input.keepCache ? { length, batch: 1, dispose: () => {} } : null;
    return { logits: new Float32Array(seq * 4), batch: 1, seq, vocab: 4, cache };
  }
}

test('a streamed analysis holds about 13 bytes a token of the text while it scores, not the tokenizer output', async () => {
  const n = 200_000;
  const text = 'abcd'.repeat(n / 4);
  const before = heapAfterGc();
  let held = 0;
  let seen = 0;
  const r = await analyzeText(text, new ConstantModel(), {
    keepTokens: false,
    topK: 1,
    chunkSize: 4096,
    onToken: (t) => {
      seen++;
      if (t.index === n / 2) held = heapAfterGc() - before;
    },
  });
  assert.equal(seen, n);
  assert.equal(r.summary.scoredTokens, n);
  const perToken = held / n;
  assert.ok(perToken > 10 && perToken < 25, `${perToken.toFixed(1)} bytes a token held mid-run`);
});

/** Packs its tokens as it makes them (the ONNX engine does, piece by piece), and refuses to make them unpacked. */
class PackingModel extends ConstantModel {
  override tokenize(): TokenizedText {
    throw new Error('a streamed analysis asked for the unpacked tokens');
  }
  tokenizePacked(text: string, prefix: number[]): PackedTokens {
    return packTokens(ConstantModel.prototype.tokenize.call(this, text), prefix);
  }
}

test('a streamed analysis takes the tokens packed from a model that packs them, never the unpacked ones', async () => {
  const records = async (model: ScoringModel) => {
    const seen: TokenRecord[] = [];
    await analyzeText('abcdabca', model, { keepTokens: false, chunkSize: 3, onToken: (t) => seen.push({ ...t }) });
    return seen;
  };
  assert.deepEqual(await records(new PackingModel()), await records(new ConstantModel()));
});
