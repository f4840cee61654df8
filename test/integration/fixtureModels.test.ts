/** The engine on the generated fixtures: spans through real tokenizers, no-KV export, sliding window. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { analyzeText } from '../../src/core/analyze';
import { spansFromTokenBytes } from '../../src/core/spans';
import { bytesOfId, spansOfIds, tokenizerInfo } from '../../src/engines/onnx/tokenizerInfo';
import { rawLog2Probs } from '../helpers/rawOrt';
import { coveredText } from '../helpers/spanCoverage';

const FIX = join(__dirname, '..', 'fixtures');
const TINY = join(FIX, 'models', 'tiny-gpt2');
const SAMPLES = [
  'Hello world',
  'café naïve 日本語 😀 👍🏽 x',
  'def f(x):\n\treturn x  # ẞ𝔘\r\n',
  'e\u0301 combining, 👩🏽‍💻 zwj,  two  spaces',
  '   leading spaces\n\n\ntrailing   ',
];

test('byte-level BPE fixture: spans reproduce every sample through the real tokenizer', async () => {
  const m = await OnnxModel.load({ modelDir: TINY });
  try {
    for (const text of SAMPLES) {
      const t = m.tokenize(text);
      assert.equal(coveredText(text, t.spans), text, JSON.stringify(text));
      t.spans.forEach((s, i) => assert.ok(s.start <= s.end && (i === 0 || s.start >= t.spans[i - 1].start)));
    }
  } finally {
    await m.dispose();
  }
});

test('SentencePiece byte-fallback fixture: the synthetic "▁" is skipped and byte tokens widen to characters', async () => {
  const dir = join(FIX, 'tokenizers', 'sentencepiece-bytefallback');
  const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const info = tokenizerInfo(
    JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
    tok.get_vocab() as Map<string, number>,
  );
  assert.equal(info.kind, 'sentencepiece');
  assert.deepEqual(info.prependedSpace, { before: 'every-stretch', evenBeforeSpace: true });
  for (const text of ['café 日本 😀 x', 'def f(x):\n  return x  # ẞ𝔘', ' leading space']) {
    const ids = tok.encode(text, { add_special_tokens: false });
    const spans = spansFromTokenBytes(
      text,
      ids.map((id: number) => bytesOfId(info, id)),
      { prependedSpace: info.prependedSpace },
    );
    assert.equal(coveredText(text, spans), text, JSON.stringify(text));
  }
  const ids = tok.encode('😀', { add_special_tokens: false });
  const spans = spansFromTokenBytes(
    '😀',
    ids.map((id: number) => bytesOfId(info, id)),
    { prependedSpace: info.prependedSpace },
  );
  assert.ok(
    spans.filter((s) => s.end - s.start === 2).length >= 4,
    'each of the four byte tokens covers the whole emoji',
  );
});

test('SentencePiece stretches between added tokens (Llama 2 chat turns): the Prepend normalizer and Metaspace variants of tiny-llama2-chat tokenize in transformers.js to tokens whose spans cover the text', async () => {
  const llama2 = join(FIX, 'models', 'tiny-llama2-chat');
  const json = JSON.parse(readFileSync(join(llama2, 'tokenizer.json'), 'utf8'));
  const metaspace = (scheme: string) => ({
    ...json,
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: scheme, split: false },
  });
  const texts = [
    '<s>[INST] Where? [/INST] There. </s><s>[INST] And then? [/INST] Home. </s>',
    ' hi<s> yo</s>x',
    'a</s> <s>  b',
    // a "▁" in the text is a space to SentencePiece: its tokens carry it as one
    '\u2581start a\u2581\u2581b \u2581 c</s>\u2581d',
  ];
  for (const [variant, tj] of [
    ['Prepend', json],
    ['Metaspace always', metaspace('always')],
    ['Metaspace first', metaspace('first')],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'sf-sp-variant-'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tj));
    copyFileSync(join(llama2, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
    const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const info = tokenizerInfo(tj, tok.get_vocab() as Map<string, number>);
    for (const text of texts) {
      const ids: number[] = tok.encode(text, { add_special_tokens: false });
      const spans = spansOfIds(info, text, ids);
      assert.equal(coveredText(text, spans), text, `${variant}: ${JSON.stringify(text)}`);
      // each token covers its own bytes, less the synthetic space of a stretch's first token
      spans.forEach((sp, i) => {
        const own = new TextDecoder().decode(bytesOfId(info, ids[i]));
        const covered = text.slice(sp.start, sp.end).replace(/\u2581/g, ' ');
        assert.ok(own === covered || own === ` ${covered}`, `${variant}: token ${i} of ${JSON.stringify(text)}`);
      });
    }
  }
});

test('an export without past_key_values scores in one pass per window, same numbers as the KV model', async () => {
  const text = SAMPLES.join(' ');
  const kv = await OnnxModel.load({ modelDir: TINY });
  const nopast = await OnnxModel.load({ modelDir: join(FIX, 'models', 'tiny-gpt2-nopast') });
  try {
    assert.equal(nopast.info.kvCache, false);
    const a = await analyzeText(text, kv, { chunkSize: 5 });
    const b = await analyzeText(text, nopast, { chunkSize: 5 });
    a.tokens.forEach((t, i) => assert.ok(Math.abs(t.surprisalBits! - b.tokens[i].surprisalBits!) < 1e-4));
  } finally {
    await Promise.all([kv.dispose(), nopast.dispose()]);
  }
});

test('past a 32-token window the sliding window equals raw passes over each truncated context', async () => {
  const m = await OnnxModel.load({ modelDir: join(FIX, 'models', 'tiny-gpt2-short') });
  try {
    const text =
      'the model reads the text and the flow of bits goes on and on, token after token, until the end of the line. '.repeat(
        3,
      );
    const r = await analyzeText(text, m, { chunkSize: 7, stride: 8 });
    const seq = [m.info.bosTokenId!, ...r.tokens.map((t) => t.id)];
    assert.ok(seq.length > 60);
    // the last token: scored by the window that ends at it, whose context starts at seq.length - 32
    const ctx = seq.slice(seq.length - 32);
    const raw = await rawLog2Probs(join(FIX, 'models', 'tiny-gpt2-short'), ctx);
    const last = r.tokens[r.tokens.length - 1];
    assert.equal(last.truncatedContext, true);
    assert.ok(
      Math.abs(last.surprisalBits! + raw[raw.length - 1]) < 1e-4,
      `${last.surprisalBits} vs ${-raw[raw.length - 1]}`,
    );
  } finally {
    await m.dispose();
  }
});

test('int8 (q8) loads and stays close to fp32 on the fixture', async () => {
  const text = SAMPLES[0] + ' ' + SAMPLES[2];
  const f = await OnnxModel.load({ modelDir: TINY });
  const q = await OnnxModel.load({ modelDir: TINY, dtype: 'q8' });
  try {
    const a = await analyzeText(text, f),
      b = await analyzeText(text, q);
    assert.equal(q.info.dtype, 'q8');
    const diff = Math.abs(a.summary.bitsPerToken! - b.summary.bitsPerToken!);
    assert.ok(diff > 0 && diff < 0.5, `bits/token fp32 ${a.summary.bitsPerToken} vs q8 ${b.summary.bitsPerToken}`);
  } finally {
    await Promise.all([f.dispose(), q.dispose()]);
  }
});
