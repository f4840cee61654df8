// Read the float32 initializers of an fp32 GPT-2 ONNX file written by make-gpt2.mjs (HF parameter
// names) and save each as OUT_DIR/<name>.bin (float32 little-endian), the layout that
// gpt2_torch.py load_bins() and make-gpt2.mjs --weights use. A tiny protobuf reader, no deps.
//
// usage: node onnx-to-bins.mjs MODEL.onnx OUT_DIR
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

function* fields(buf, start = 0, end = buf.length) {
  let p = start;
  const varint = () => {
    let v = 0n,
      s = 0n;
    for (;;) {
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << s;
      if (b < 0x80) return v;
      s += 7n;
    }
  };
  while (p < end) {
    const key = Number(varint());
    const no = key >>> 3,
      wt = key & 7;
    if (wt === 0) yield { no, wt, v: varint() };
    else if (wt === 2) {
      const n = Number(varint());
      yield { no, wt, s: p, e: p + n };
      p += n;
    } else if (wt === 5) {
      yield { no, wt, s: p, e: p + 4 };
      p += 4;
    } else if (wt === 1) {
      yield { no, wt, s: p, e: p + 8 };
      p += 8;
    } else throw new Error(`wire type ${wt} at ${p}`);
  }
}

const [model, out] = process.argv.slice(2);
if (!model || !out) throw new Error('usage: node onnx-to-bins.mjs MODEL.onnx OUT_DIR');
const buf = readFileSync(model);
mkdirSync(out, { recursive: true });
let n = 0;
for (const f of fields(buf)) {
  if (f.no !== 7 || f.wt !== 2) continue; // ModelProto.graph
  for (const g of fields(buf, f.s, f.e)) {
    if (g.no !== 5 || g.wt !== 2) continue; // GraphProto.initializer
    let name = '',
      dtype = 0,
      raw = null,
      floats = null;
    const dims = [];
    for (const t of fields(buf, g.s, g.e)) {
      if (t.no === 1) {
        if (t.wt === 0) dims.push(Number(t.v));
        else
          for (let p = t.s, v = 0, m = 1; p < t.e; p++) {
            // packed varints
            v += (buf[p] & 0x7f) * m;
            m *= 128;
            if (buf[p] < 0x80) {
              dims.push(v);
              v = 0;
              m = 1;
            }
          }
      } else if (t.no === 2) dtype = Number(t.v);
      else if (t.no === 8) name = buf.subarray(t.s, t.e).toString('utf8');
      else if (t.no === 9) raw = buf.subarray(t.s, t.e);
      else if (t.no === 4 && t.wt === 2) floats = buf.subarray(t.s, t.e);
    }
    if (dtype !== 1 || !name.startsWith('transformer.')) continue; // float parameters only
    const data = raw ?? floats;
    writeFileSync(join(out, `${name}.bin`), data);
    console.log(name, dims.join('x'), data.length / 4);
    n++;
  }
}
console.log(`${n} tensors -> ${out}`);
