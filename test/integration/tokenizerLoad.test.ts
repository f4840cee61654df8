/**
 * The engine builds its tokenizer from the tokenizer.json the folder check parsed: one read of the file,
 * and the same class and ids as transformers.js's AutoTokenizer reading the folder itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, LlamaTokenizer, PreTrainedTokenizer, Qwen2Tokenizer } from '@huggingface/transformers';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { inspectModelFolder } from '../../src/engines/onnx/modelFolder';
import { textTokenizerOf, tokenizerClass } from '../../src/engines/onnx/textTokenizer';

const MODELS = join(__dirname, '..', 'fixtures', 'models');
// GPT-2 byte-level BPE, a Llama 3 "PreTrainedTokenizerFast", Qwen2, and SentencePiece (LlamaTokenizer).
const FOLDERS = ['tiny-gpt2', 'tiny-llama-instruct', 'tiny-qwen2-instruct', 'tiny-llama2-chat'];
const TEXT = "Hello  world\n\tdon't 日本語 😀 e\u0301 <|endoftext|> <|im_start|>x </s>  \n\n  end";

/** transformers.js reading the folder itself, the way the engine loaded tokenizers before. */
const autoTokenizer = async (dir: string) =>
  (await AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as {
    encode(t: string, o: { add_special_tokens: boolean }): number[];
  };

/** Reads of files named NAME, through every way node:fs offers, while `run` runs. */
async function readsOf(name: string, run: () => Promise<void>): Promise<number> {
  let reads = 0;
  const count = (p: unknown) => {
    if (String(p).endsWith(name)) reads++;
  };
  const { readFileSync, createReadStream } = fs;
  const readFile = fs.promises.readFile;
  fs.readFileSync = ((p: fs.PathOrFileDescriptor, o?: never) => (count(p), readFileSync(p, o))) as typeof readFileSync;
  fs.createReadStream = ((p: fs.PathLike, o?: never) => (count(p), createReadStream(p, o))) as typeof createReadStream;
  fs.promises.readFile = ((p: fs.PathLike, o?: never) => (count(p), readFile(p, o))) as typeof readFile;
  try {
    await run();
  } finally {
    Object.assign(fs, { readFileSync, createReadStream });
    fs.promises.readFile = readFile;
  }
  return reads;
}

test('loading a model reads and parses tokenizer.json once', async () => {
  let model: OnnxModel | undefined;
  const reads = await readsOf('tokenizer.json', async () => {
    model = await OnnxModel.load({ modelDir: join(MODELS, 'tiny-gpt2') });
  });
  try {
    assert.equal(reads, 1);
    const auto = await autoTokenizer(join(MODELS, 'tiny-gpt2'));
    assert.deepEqual(model!.tokenize(TEXT).ids, auto.encode(TEXT, { add_special_tokens: false }));
  } finally {
    await model?.dispose();
  }
});

for (const name of FOLDERS) {
  test(`${name}: the tokenizer from the parsed files gives AutoTokenizer's ids`, async () => {
    const dir = join(MODELS, name);
    const folder = inspectModelFolder(dir, 'fp32');
    const auto = await autoTokenizer(dir);
    const ours = textTokenizerOf(folder.tokenizerJson, folder.tokenizerConfig, dir);
    assert.deepEqual(ours.encode(TEXT), auto.encode(TEXT, { add_special_tokens: false }));
  });
}

test("the tokenizer class is AutoTokenizer's choice: tokenizer_class without Fast, else the base class", () => {
  assert.equal(tokenizerClass({ tokenizer_class: 'LlamaTokenizerFast' }), LlamaTokenizer);
  assert.equal(tokenizerClass({ tokenizer_class: 'Qwen2Tokenizer' }), Qwen2Tokenizer);
  assert.equal(tokenizerClass({ tokenizer_class: 'PreTrainedTokenizerFast' }), PreTrainedTokenizer);
  // unknown names, exports of the library that are not tokenizers, and no name at all
  for (const config of [{ tokenizer_class: 'NoSuchTokenizer' }, { tokenizer_class: 'AutoModel' }, {}])
    assert.equal(tokenizerClass(config), PreTrainedTokenizer);
});
