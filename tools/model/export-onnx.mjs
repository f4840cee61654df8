// Step 4: write a transformers.js model folder from trained weights (DIR/<hf-name>.bin, float32 LE):
//   OUT/config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
//   OUT/onnx/model.onnx (fp32) and OUT/onnx/model_quantized.onnx (int8 weights, dtype 'q8').
// The graph is HF GPT2LMHeadModel (pre-LN, gelu_new, tied lm_head) with the Optimum/transformers.js
// I/O names: input_ids, attention_mask, position_ids, past_key_values.{i}.key|value ->
// logits, present.{i}.key|value.
//
// usage: node tools/model/export-onnx.mjs WEIGHTS_DIR OUT_DIR [--layers 8] [--embd 128] [--heads 4]
//          [--positions 512] [--vocab 50257]
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, DT } from '../fixtures/onnxWriter.mjs';
import { writeTokenizer } from './make-tokenizer.mjs';

// per-output-column symmetric int8 quantization of a row-major [rows, cols] matrix
function quantizeColumns(w, rows, cols) {
  const scale = new Float32Array(cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) scale[c] = Math.max(scale[c], Math.abs(w[r * cols + c]));
  for (let c = 0; c < cols; c++) scale[c] = scale[c] > 0 ? scale[c] / 127 : 1;
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(w[r * cols + c] / scale[c])));
  return { q, scale };
}

export function gpt2Graph({ weights, layers: L, embd: E, heads: H, positions: NP, vocab: V, q8 }) {
  const D = E / H;
  if (!Number.isInteger(D)) throw new Error('embd must be a multiple of heads');
  const g = new Graph('gpt2');
  const load = (name, n) => {
    const f = join(weights, `${name}.bin`);
    if (!existsSync(f)) throw new Error(`missing ${f}`);
    const b = readFileSync(f);
    const a = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (a.length !== n) throw new Error(`${name}: ${a.length} floats, expected ${n}`);
    return a;
  };

  // y = x @ W + b, W [in, out]; in the q8 graph W is int8 and x is quantized on the fly
  // (the pattern of onnxruntime's quantize_dynamic, fused by ORT into DynamicQuantizeMatMul)
  const linear = (x, name, nIn, nOut) => {
    const w = load(`${name}.weight`, nIn * nOut);
    const b = g.init(`${name}.bias`, DT.float, [nOut], load(`${name}.bias`, nOut));
    if (!q8) return g.op('Add', [g.op('MatMul', [x, g.init(`${name}.weight`, DT.float, [nIn, nOut], w)]), b]);
    const { q, scale } = quantizeColumns(w, nIn, nOut);
    const wq = g.init(`${name}.weight_q`, DT.int8, [nIn, nOut], q);
    const ws = g.init(`${name}.weight_scale`, DT.float, [nOut], scale);
    const wz = g.init(`${name}.weight_zp`, DT.int8, [nOut], new Int8Array(nOut));
    const [xq, xs, xz] = g.op('DynamicQuantizeLinear', [x], {}, { nOut: 3 });
    const acc = g.op('Cast', [g.op('MatMulInteger', [xq, wq, xz, wz])], { to: DT.float });
    return g.op('Add', [g.op('Mul', [acc, g.op('Mul', [xs, ws])]), b]);
  };
  const layerNorm = (x, name) =>
    g.op('LayerNormalization', [x, g.init(`${name}.weight`, DT.float, [E], load(`${name}.weight`, E)), g.init(`${name}.bias`, DT.float, [E], load(`${name}.bias`, E))], {
      axis: -1,
      epsilon: { float: 1e-5 },
    });

  g.input('input_ids', DT.int64, ['batch_size', 'sequence_length']);
  g.input('attention_mask', DT.int64, ['batch_size', 'total_sequence_length']);
  g.input('position_ids', DT.int64, ['batch_size', 'sequence_length']);
  // head count and head size must be numbers: transformers.js sizes the empty first cache from them
  for (let i = 0; i < L; i++)
    for (const kv of ['key', 'value']) g.input(`past_key_values.${i}.${kv}`, DT.float, ['batch_size', H, 'past_sequence_length', D]);

  // token embedding, shared with the lm_head
  const wte = load('transformer.wte.weight', V * E);
  let embedded, lmHead;
  if (!q8) {
    const w = g.init('transformer.wte.weight', DT.float, [V, E], wte);
    embedded = g.op('Gather', [w, 'input_ids'], { axis: 0 });
    lmHead = (x) => g.op('Gemm', [x, w], { transB: 1 });
  } else {
    // a single int8 copy stored transposed [E, V], one scale per token: the lm_head is a
    // MatMulInteger; the embedding gathers columns and scales only the rows it uses
    const t = new Float32Array(E * V);
    for (let v = 0; v < V; v++) for (let e = 0; e < E; e++) t[e * V + v] = wte[v * E + e];
    const { q, scale } = quantizeColumns(t, E, V);
    const wq = g.init('transformer.wte.weight_t_q', DT.int8, [E, V], q);
    const ws = g.init('transformer.wte.weight_t_scale', DT.float, [V], scale);
    const wz = g.init('transformer.wte.weight_t_zp', DT.int8, [V], new Int8Array(V));
    const cols = g.op('Cast', [g.op('Transpose', [g.op('Gather', [wq, 'input_ids'], { axis: 1 })], { perm: [1, 2, 0] })], { to: DT.float });
    embedded = g.op('Mul', [cols, g.op('Unsqueeze', [g.op('Gather', [ws, 'input_ids'], { axis: 0 }), g.constInt64([2])])]);
    lmHead = (x) => {
      const [xq, xs, xz] = g.op('DynamicQuantizeLinear', [x], {}, { nOut: 3 });
      const acc = g.op('Cast', [g.op('MatMulInteger', [xq, wq, xz, wz])], { to: DT.float });
      return g.op('Mul', [acc, g.op('Mul', [xs, ws])]);
    };
  }
  const wpe = g.init('transformer.wpe.weight', DT.float, [NP, E], load('transformer.wpe.weight', NP * E));
  let h = g.op('Add', [embedded, g.op('Gather', [wpe, 'position_ids'], { axis: 0 })]);

  // mask [B, 1, S, T]: key position <= query position (queries are the last S of T) and not padding
  const zero = g.constInt64([0], []);
  const one = g.constInt64([1], []);
  const T = g.op('Gather', [g.op('Shape', ['attention_mask']), one], { axis: 0 });
  const S = g.op('Gather', [g.op('Shape', ['input_ids']), one], { axis: 0 });
  const queryPos = g.op('Range', [g.op('Sub', [T, S]), T, one]);
  const keyPos = g.op('Range', [zero, T, one]);
  const causal = g.op('LessOrEqual', [g.op('Unsqueeze', [keyPos, g.constInt64([0])]), g.op('Unsqueeze', [queryPos, g.constInt64([1])])]);
  const notPad = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], { to: DT.bool }), g.constInt64([1, 2])]);
  const allowed = g.op('And', [causal, notPad]);
  const masked = g.constFloat([-1e9], []);
  const invSqrtD = g.constFloat([1 / Math.sqrt(D)], []);
  const splitHeads = g.constInt64([0, 0, H, D]);
  const mergeHeads = g.constInt64([0, 0, E]);
  const qkvSizes = g.constInt64([E, E, E]);
  const [half, one_f, c3, cTanh] = [0.5, 1, 0.044715, Math.sqrt(2 / Math.PI)].map((x) => g.constFloat([x], []));

  for (let i = 0; i < L; i++) {
    const p = `transformer.h.${i}`;
    const qkv = linear(layerNorm(h, `${p}.ln_1`), `${p}.attn.c_attn`, E, 3 * E);
    const heads = (t) => g.op('Transpose', [g.op('Reshape', [t, splitHeads])], { perm: [0, 2, 1, 3] });
    const [q, k, v] = g.op('Split', [qkv, qkvSizes], { axis: 2 }, { nOut: 3 }).map(heads);
    const keys = g.op('Concat', [`past_key_values.${i}.key`, k], { axis: 2 });
    const values = g.op('Concat', [`past_key_values.${i}.value`, v], { axis: 2 });
    g.output(keys, DT.float, ['batch_size', H, 'total_sequence_length', D], `present.${i}.key`);
    g.output(values, DT.float, ['batch_size', H, 'total_sequence_length', D], `present.${i}.value`);
    const scores = g.op('Where', [allowed, g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [keys], { perm: [0, 1, 3, 2] })]), invSqrtD]), masked]);
    const ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), values]);
    h = g.op('Add', [h, linear(g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), mergeHeads]), `${p}.attn.c_proj`, E, E)]);
    // gelu_new(f) = 0.5 f (1 + tanh(sqrt(2/pi) (f + 0.044715 f^3)))
    const f = linear(layerNorm(h, `${p}.ln_2`), `${p}.mlp.c_fc`, E, 4 * E);
    const inner = g.op('Mul', [g.op('Add', [f, g.op('Mul', [g.op('Mul', [g.op('Mul', [f, f]), f]), c3])]), cTanh]);
    const act = g.op('Mul', [g.op('Mul', [f, half]), g.op('Add', [g.op('Tanh', [inner]), one_f])]);
    h = g.op('Add', [h, linear(act, `${p}.mlp.c_proj`, 4 * E, E)]);
  }
  const flat = lmHead(g.op('Reshape', [layerNorm(h, 'transformer.ln_f'), g.constInt64([-1, E])]));
  const logitsShape = g.op('Concat', [g.op('Shape', ['input_ids']), g.constInt64([V])], { axis: 0 });
  g.output(g.op('Reshape', [flat, logitsShape]), DT.float, ['batch_size', 'sequence_length', V], 'logits');
  return g.toBytes({ opset: 17, producer: 'semantic-flow tools/model' });
}

export function exportModel(weights, out, shape) {
  const o = { layers: 8, embd: 128, heads: 4, positions: 512, vocab: 50257, ...shape, weights };
  const eos = o.vocab - 1;
  mkdirSync(join(out, 'onnx'), { recursive: true });
  const config = {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: o.vocab,
    n_positions: o.positions, n_ctx: o.positions, n_embd: o.embd, n_layer: o.layers, n_head: o.heads, n_inner: null,
    activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, bos_token_id: eos, eos_token_id: eos,
    tie_word_embeddings: true, use_cache: true,
  };
  writeFileSync(join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileSync(join(out, 'generation_config.json'), JSON.stringify({ bos_token_id: eos, eos_token_id: eos }, null, 2) + '\n');
  writeTokenizer(out);
  writeFileSync(join(out, 'onnx', 'model.onnx'), gpt2Graph({ ...o, q8: false }));
  writeFileSync(join(out, 'onnx', 'model_quantized.onnx'), gpt2Graph({ ...o, q8: true }));
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
