// Step 5: held-out bits per byte of one or more model folders, run exactly as the extension runs
// them (transformers.js + onnxruntime-node, the folder's tokenizer and ONNX file).
//
// For every held-out file: ids = [<|endoftext|>] + tokens(text); each text token is scored once,
// with a sliding window of the model's n_positions and a stride of half of it (so every scored token
// after the first window sees at least n_positions/2 tokens of context). bits/byte = total
// -log2 p(token) / UTF-8 bytes of the text. Files are capped at 400,000 characters, as in training.
//
// usage: node tools/model/eval-bpb.mjs [--work tools/model/work] [--dtype fp32|q8] [--threads 1]
//          [--window N] [--max-files-per-set N] [--sets v0-split,new-prose,new-code] [--out result.json]
//          MODEL_DIR [MODEL_DIR...]
// Sets: "v0-split" (manifest split val-v0: v0's held-out files), "new-prose", "new-code" and
// their union "new-split" (manifest split val-new).
import { env, AutoTokenizer, AutoModelForCausalLM, Tensor } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve, dirname, basename, join } from 'node:path';
import { Graph, DT } from '../fixtures/onnxWriter.mjs';

const args = process.argv.slice(2);
const opt = {
  work: new URL('./work', import.meta.url).pathname,
  dtype: 'fp32',
  threads: 1,
  window: 0,
  maxFiles: 0,
  out: '',
  sets: '',
};
const models = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--work') opt.work = args[++i];
  else if (a === '--dtype') opt.dtype = args[++i];
  else if (a === '--threads') opt.threads = Number(args[++i]);
  else if (a === '--window') opt.window = Number(args[++i]);
  else if (a === '--max-files-per-set') opt.maxFiles = Number(args[++i]);
  else if (a === '--out') opt.out = args[++i];
  else if (a === '--sets') opt.sets = args[++i];
  else models.push(resolve(a));
}
if (!models.length) throw new Error('usage: node eval-bpb.mjs [options] MODEL_DIR [MODEL_DIR...]');

const rows = readFileSync(join(opt.work, 'corpus', 'manifest.tsv'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('\t'));
const sets = {
  'v0-split': rows.filter((r) => r[0] === 'val-v0').map((r) => r[2]),
  'new-prose': rows.filter((r) => r[0] === 'val-new' && r[1] === 'prose').map((r) => r[2]),
  'new-code': rows.filter((r) => r[0] === 'val-new' && r[1] === 'code').map((r) => r[2]),
};
if (opt.maxFiles) for (const k in sets) sets[k] = sets[k].slice(0, opt.maxFiles);
if (opt.sets) for (const k in sets) if (!opt.sets.split(',').includes(k)) delete sets[k];
const texts = new Map();
for (const f of Object.values(sets).flat()) texts.set(f, readFileSync(f, 'utf8').slice(0, 400000));

// log-softmax + gather of the target ids, in ONNX Runtime (much faster than a JS loop over 50k logits)
const g = new Graph('token_logprobs');
g.input('logits', DT.float, ['b', 's', 'v']);
g.input('targets', DT.int64, ['b', 's']);
const lsm = g.op('LogSoftmax', ['logits'], { axis: -1 });
g.output(
  g.op('GatherElements', [lsm, g.op('Unsqueeze', ['targets', g.constInt64([-1])])], { axis: 2 }),
  DT.float,
  ['b', 's', 1],
  'logprobs',
);
const sessionOptions = { intraOpNumThreads: opt.threads, interOpNumThreads: 1 };
const scorer = await ort.InferenceSession.create(g.toBytes(), sessionOptions);

env.allowRemoteModels = false;
const i64 = (a) => new Tensor('int64', BigInt64Array.from(a, BigInt), [1, a.length]);
const results = { dtype: opt.dtype, models: {} };
for (const dir of models) {
  env.localModelPath = dirname(dir);
  const name = basename(dir);
  const tok = await AutoTokenizer.from_pretrained(name);
  const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: opt.dtype, session_options: sessionOptions });
  const W = opt.window || model.config.n_positions;
  const stride = W / 2;
  const t0 = performance.now();
  const res = {};
  for (const [set, files] of Object.entries(sets)) {
    let nats = 0,
      bytes = 0,
      tokens = 0;
    for (const f of files) {
      const text = texts.get(f);
      const ids = [50256, ...tok.encode(text)];
      bytes += Buffer.byteLength(text, 'utf8');
      tokens += ids.length - 1;
      let end = 0;
      while (end < ids.length) {
        const newEnd = Math.min(end === 0 ? W : end + stride, ids.length);
        const start = Math.max(0, newEnd - W);
        const win = ids.slice(start, newEnd);
        const { logits } = await model({ input_ids: i64(win), attention_mask: i64(win.map(() => 1)) });
        // targets ids[first..newEnd-1] are predicted by the logits at positions (target - 1 - start)
        const first = Math.max(end, 1);
        const from = first - 1 - start,
          n = newEnd - first;
        const V = logits.dims[2];
        const part = new ort.Tensor('float32', logits.data.subarray(from * V, (from + n) * V), [1, n, V]);
        const out = await scorer.run({
          logits: part,
          targets: new ort.Tensor('int64', BigInt64Array.from(ids.slice(first, newEnd), BigInt), [1, n]),
        });
        for (const lp of out.logprobs.data) nats -= lp;
        end = newEnd;
      }
    }
    res[set] = {
      files: files.length,
      bytes,
      tokens,
      nats_per_token: +(nats / tokens).toFixed(4),
      bits_per_byte: +(nats / Math.LN2 / bytes).toFixed(4),
      bits: nats / Math.LN2,
    };
  }
  const p = res['new-prose'],
    c = res['new-code'];
  if (p && c)
    res['new-split'] = {
      files: p.files + c.files,
      bytes: p.bytes + c.bytes,
      tokens: p.tokens + c.tokens,
      bits_per_byte: +((p.bits + c.bits) / (p.bytes + c.bytes)).toFixed(4),
    };
  res.window = W;
  res.seconds = Math.round((performance.now() - t0) / 1000);
  results.models[dir] = res;
  console.log(dir, JSON.stringify(res));
}
if (opt.out) writeFileSync(opt.out, JSON.stringify(results, null, 1));
