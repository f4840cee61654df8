/**
 * The bytes-per-token bound that lets serve refuse a long prompt without tokenizing it: a lower bound on
 * the token count of any text through the real tokenizers (built-in GPT-2 BPE and the fixture), and
 * no bound for tokenizers that may drop or fuse text.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { builtinModelDir, packageRoot } from '../../src/engines/builtinModel';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { textBytesPerToken } from '../../src/engines/onnx/tokenLengthBound';
import { tokenizerInfo } from '../../src/engines/onnx/tokenizerInfo';

const models: OnnxModel[] = [];
before(async () => {
  models.push(await OnnxModel.load({ modelDir: builtinModelDir() }));
  models.push(await OnnxModel.load({ modelDir: join(packageRoot(), 'test', 'fixtures', 'models', 'tiny-gpt2') }));
});
after(async () => {
  for (const m of models) await m.dispose();
});

const anyText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom('a', 'the', ' ', '\n', '-', '=', 'é', '日本', '👍🏽', '<|endoftext|>', 'ÃĤ', '0123456789'),
    minLength: 1,
    maxLength: 120,
  }),
  // Long runs: the longest tokens (GPT-2 has 128-byte ones) come from repeated characters.
  fc
    .tuple(fc.constantFrom('-', '=', ' ', '.', '*', 'x', '\u00c3\u0082'), fc.integer({ min: 1, max: 400 }))
    .map(([c, n]) => c.repeat(n)),
);

test('no text has fewer tokens than its UTF-8 bytes over the bound', () => {
  for (const m of models) {
    assert.ok(Number.isFinite(m.textBytesPerToken) && m.textBytesPerToken >= 4, `${m.info.id}: ${m.textBytesPerToken}`);
    fc.assert(
      fc.property(
        anyText,
        (text) => m.tokenize(text).ids.length >= Math.ceil(Buffer.byteLength(text) / m.textBytesPerToken),
      ),
      { numRuns: 300 },
    );
  }
});

test('normalizers that may shrink text set the bound 4 times higher or remove it; so do dropping pre-tokenizers and fused unknown tokens', () => {
  const vocab = new Map([
    ['a', 0],
    ['bb', 1],
    ['ccccc', 2],
  ]);
  const bound = (over: Record<string, unknown>) => {
    const json = {
      pre_tokenizer: { type: 'ByteLevel' },
      decoder: { type: 'ByteLevel' },
      model: { type: 'BPE' },
      ...over,
    };
    return textBytesPerToken(json, tokenizerInfo(json, vocab));
  };
  assert.equal(bound({}), 5);
  assert.equal(
    bound({
      normalizer: {
        type: 'Sequence',
        normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }],
      },
    }),
    20,
  );
  assert.equal(bound({ normalizer: { type: 'Replace', pattern: { String: '  ' }, content: ' ' } }), Infinity);
  assert.equal(bound({ normalizer: { type: 'BertNormalizer', clean_text: true } }), Infinity);
  assert.equal(bound({ normalizer: { type: 'Strip' } }), Infinity);
  assert.equal(
    bound({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'ByteLevel' }] } }),
    Infinity,
  );
  assert.equal(
    bound({ pre_tokenizer: { type: 'Split', behavior: 'Removed' }, decoder: { type: 'ByteLevel' } }),
    Infinity,
  );
  assert.equal(bound({ model: { type: 'BPE', fuse_unk: true } }), Infinity);
  assert.equal(bound({ model: { type: 'BPE', fuse_unk: true, byte_fallback: true } }), 5);
});
