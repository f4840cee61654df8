// Export check, ONNX side: runs MODEL_DIR with transformers.js on the id sequence of
// check-export.py and prints the largest logit difference from PyTorch's.
// usage: node tools/model/check-export.mjs MODEL_DIR TORCH_LOGITS.bin [dtype=fp32]
import { env, AutoModelForCausalLM, Tensor } from '@huggingface/transformers';
import { readFileSync } from 'node:fs';
import { resolve, dirname, basename } from 'node:path';

const [dir, bin, dtype = 'fp32'] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = dirname(resolve(dir));
const model = await AutoModelForCausalLM.from_pretrained(basename(resolve(dir)), { dtype });
const N = model.config.n_positions;
const ids = Array.from({ length: N }, (_, i) => (i * 7919 + 13) % 50257);
const t = (a) => new Tensor('int64', BigInt64Array.from(a, BigInt), [1, a.length]);
const { logits } = await model({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)) });
const b = readFileSync(bin);
const ref = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
let d = 0,
  s = 0;
for (let i = 0; i < ref.length; i++) {
  d = Math.max(d, Math.abs(ref[i] - logits.data[i]));
  s += ref[i] * ref[i];
}
console.log(
  `${dtype}: ${N} positions, max |torch - onnx| = ${d.toExponential(2)}, logit rms ${Math.sqrt(s / ref.length).toFixed(2)}`,
);
