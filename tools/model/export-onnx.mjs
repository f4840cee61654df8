// Step 4: write a transformers.js model folder from trained weights (DIR/<hf-name>.bin, float32 LE):
//   OUT/config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
//   OUT/onnx/model.onnx (fp32) and OUT/onnx/model_quantized.onnx (int8 weights, dtype 'q8').
// The graph is the fixtures' GPT-2 builder (tools/fixtures/gpt2Onnx.mjs: HF GPT2LMHeadModel, pre-LN,
// gelu_new, tied lm_head, Optimum/transformers.js I/O names) fed with the trained weights.
//
// usage: node tools/model/export-onnx.mjs WEIGHTS_DIR OUT_DIR [--layers 8] [--embd 128] [--heads 4]
//          [--positions 512] [--vocab 50257]
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gpt2Config, gpt2Graph } from '../fixtures/gpt2Onnx.mjs';
import { writeTokenizer } from './make-tokenizer.mjs';

/** Trained weights from DIR/<hf-name>.bin (float32 little-endian), checked against their expected size. */
function trainedWeights(dir) {
  const load = (name, n) => {
    const f = join(dir, `${name}.bin`);
    if (!existsSync(f)) throw new Error(`missing ${f}`);
    const b = readFileSync(f);
    const a = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (a.length !== n) throw new Error(`${name}: ${a.length} floats, expected ${n}`);
    return a;
  };
  return {
    matrix: (name, rows, cols) => load(name, rows * cols),
    vector: (name, n) => load(name, n),
    wte: (vocab, embd) => load('transformer.wte.weight', vocab * embd),
    wpe: (positions, embd) => load('transformer.wpe.weight', positions * embd),
  };
}

export function exportModel(weights, out, shape) {
  const o = { layers: 8, embd: 128, heads: 4, positions: 512, vocab: 50257, ...shape };
  const eos = o.vocab - 1;
  mkdirSync(join(out, 'onnx'), { recursive: true });
  writeFileSync(join(out, 'config.json'), JSON.stringify(gpt2Config({ ...o, eosId: eos }), null, 2) + '\n');
  writeFileSync(
    join(out, 'generation_config.json'),
    JSON.stringify({ bos_token_id: eos, eos_token_id: eos }, null, 2) + '\n',
  );
  writeTokenizer(out);
  const graph = (q8) =>
    gpt2Graph({ ...o, weights: trainedWeights(weights), past: true, q8, producer: 'semantic-flow tools/model' });
  writeFileSync(join(out, 'onnx', 'model.onnx'), graph(false));
  writeFileSync(join(out, 'onnx', 'model_quantized.onnx'), graph(true));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [weights, out, ...rest] = process.argv.slice(2);
  if (!weights || !out) throw new Error('usage: node export-onnx.mjs WEIGHTS_DIR OUT_DIR [--layers N ...]');
  const shape = {};
  for (let i = 0; i < rest.length; i += 2) shape[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);
  const t0 = performance.now();
  exportModel(weights, out, shape);
  console.log(`wrote ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`, JSON.stringify(shape));
}
