// Builds the WebAssembly SIMD kernel of occlusion flow (src/core/klKernel.ts) and writes it, base64, to
// src/core/klKernelWasm.ts. Usage: node tools/wasm/klKernel.mjs [--print-wat [--relaxed]]
//
// klRow(p, lp, q, n, shift) → (Σ_v e^(q_v − shift), Σ_v p_v·(lp_v − q_v), max_v q_v) over n floats (n a multiple of
// 4·UNROLL) at the byte addresses p (reference probabilities), lp (reference logits), q (occluded logits).
// e^x in float32 lanes: x = max(q − shift, −87); t = x·log2 e + (1.5·2^23 + 127) rounds x·log2 e to an integer
// k whose low bits, k + 127, shifted left 23 are the float 2^k; r = x − k·ln 2 in two parts (Cody–Waite);
// e^r = 1 + r + r²·P(r) with P cubic, fitted for relative error (≤ 1.1e-7 on |r| ≤ ln2/2; tools/wasm/expFit.mjs).
// Sums run in float32 over blocks of BLOCK floats and are carried in float64.
// Two builds: plain SIMD, and relaxed SIMD whose multiply-adds may fuse (FMA where the CPU has it:
// ~25% faster; V8 ≥ 11.4, i.e. VS Code's Electron and Node ≥ 22). Both stay within 1e-6 bits of float64.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UNROLL = 4;
const BLOCK_BYTES = 2048; // 512 floats: 128 terms per float32 lane before each float64 carry

const CONSTANTS = {
  log2e: '1.44269504088896341',
  magic: '12583039', // 1.5·2^23 + 127: the exponent bias rides in the rounding constant
  ln2hi: '0.693359375',
  ln2lo: '-2.12194440e-4',
  floor: '-87',
  c3: '0.008312525228',
  c2: '0.04189011455',
  c1: '0.1666711420',
  c0: '0.4999923110',
  one: '1',
};

const get = (n) => `(local.get $${n})`;
const highHalf = (v) => `(i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${v} ${v})`;
const toF64 = (v) => `(f64x2.add (f64x2.promote_low_f32x4 ${v}) (f64x2.promote_low_f32x4 ${highHalf(v)}))`;

/** a·b + c, and c − a·b: fused where relaxed SIMD may fuse them. */
const ops = (relaxed) => ({
  madd: (a, b, c) => (relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`),
  nmadd: (a, b, c) => (relaxed ? `(f32x4.relaxed_nmadd ${a} ${b} ${c})` : `(f32x4.sub ${c} (f32x4.mul ${a} ${b}))`),
});

function lane(u, relaxed) {
  const { madd, nmadd } = ops(relaxed);
  const at = (base) => `(i32.add (local.get $${base}) (i32.add (local.get $i) (i32.const ${16 * u})))`;
  const [q, x, t, k, r, y, zb, sb, m] = ['q', 'x', 't', 'k', 'r', 'y', 'zb', 'sb', 'm'].map((n) => `${n}${u}`);
  const horner = ['c2', 'c1', 'c0'].map((c) => `(local.set $${y} ${madd(get(y), get(r), get(c))})`);
  return [
    `(local.set $${q} (v128.load ${at('q')}))`,
    `(local.set $${m} (f32x4.pmax ${get(m)} ${get(q)}))`,
    `(local.set $${sb} ${madd(`(v128.load ${at('p')})`, `(f32x4.sub (v128.load ${at('lp')}) ${get(q)})`, get(sb))})`,
    `(local.set $${x} (f32x4.pmax (f32x4.sub ${get(q)} ${get('shift4')}) ${get('floor')}))`,
    `(local.set $${t} ${madd(get(x), get('log2e'), get('magic'))})`,
    `(local.set $${k} (f32x4.sub ${get(t)} ${get('magic')}))`,
    `(local.set $${r} ${nmadd(get(k), get('ln2lo'), nmadd(get(k), get('ln2hi'), get(x)))})`,
    `(local.set $${y} ${get('c3')})`,
    ...horner,
    `(local.set $${y} (f32x4.add ${madd(get(y), `(f32x4.mul ${get(r)} ${get(r)})`, get(r))} ${get('one')}))`,
    `(local.set $${zb} ${madd(get(y), `(i32x4.shl ${get(t)} (i32.const 23))`, get(zb))})`,
  ];
}

/** The kernel's text; `relaxed`: multiply-adds as relaxed SIMD (may fuse). */
export function klKernelWat({ relaxed = false } = {}) {
  const perLane = ['q', 'x', 't', 'k', 'r', 'y', 'zb', 'sb', 'm'];
  const locals = [
    'shift4',
    'z',
    's',
    'mx',
    ...Object.keys(CONSTANTS),
    ...Array.from({ length: UNROLL }, (_, u) => perLane.map((n) => `${n}${u}`)).flat(),
  ];
  const lanes = Array.from({ length: UNROLL }, (_, u) => u);
  return `(module
  (memory (import "env" "memory") 1)
  (func (export "klRow") (param $p i32) (param $lp i32) (param $q i32) (param $n i32) (param $shift f32) (result f64 f64 f32)
    (local $i i32) (local $end i32) (local $block i32)
    ${locals.map((n) => `(local $${n} v128)`).join(' ')}
    ${Object.entries(CONSTANTS)
      .map(([n, v]) => `(local.set $${n} (f32x4.splat (f32.const ${v})))`)
      .join('\n    ')}
    (local.set $shift4 (f32x4.splat (local.get $shift)))
    ${lanes.map((u) => `(local.set $m${u} (f32x4.splat (f32.const -inf)))`).join(' ')}
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $block (i32.add (local.get $i) (i32.const ${BLOCK_BYTES})))
        (if (i32.gt_u (local.get $block) (local.get $end)) (then (local.set $block (local.get $end))))
        ${lanes.map((u) => `(local.set $zb${u} (v128.const i32x4 0 0 0 0)) (local.set $sb${u} (v128.const i32x4 0 0 0 0))`).join('\n        ')}
        (loop $terms
          ${lanes.flatMap((u) => lane(u, relaxed)).join('\n          ')}
          (local.set $i (i32.add (local.get $i) (i32.const ${16 * UNROLL})))
          (br_if $terms (i32.lt_u (local.get $i) (local.get $block))))
        ${lanes.map((u) => `(local.set $z (f64x2.add ${get('z')} ${toF64(get(`zb${u}`))}))`).join('\n        ')}
        ${lanes.map((u) => `(local.set $s (f64x2.add ${get('s')} ${toF64(get(`sb${u}`))}))`).join('\n        ')}
        (br $blocks)))
    (f64.add (f64x2.extract_lane 0 (local.get $z)) (f64x2.extract_lane 1 (local.get $z)))
    (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s)))
    (local.set $mx ${lanes.slice(1).reduce((acc, u) => `(f32x4.pmax ${acc} ${get(`m${u}`)})`, get('m0'))})
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
             (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx))))))
`;
}

/** The kernel's bytes, assembled by wabt (a devDependency: only this tool and its test need it). */
export async function klKernelBytes({ relaxed = false } = {}) {
  const { default: wabtInit } = await import('wabt');
  const wabt = await wabtInit();
  const mod = wabt.parseWat('klKernel.wat', klKernelWat({ relaxed }), {
    simd: true,
    multi_value: true,
    relaxed_simd: relaxed,
  });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

/** The generated TypeScript module holding both builds' bytes. */
export function klKernelModule(bytes, relaxedBytes) {
  return `// Generated by tools/wasm/klKernel.mjs: do not edit. The WebAssembly SIMD kernels of src/core/klKernel.ts.
export const KL_KERNEL_UNROLL = ${UNROLL};
export const KL_KERNEL_WASM = '${Buffer.from(bytes).toString('base64')}';
/** The same kernel with relaxed-SIMD multiply-adds. */
export const KL_KERNEL_WASM_RELAXED = '${Buffer.from(relaxedBytes).toString('base64')}';
`;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KL_KERNEL_MODULE_PATH = join(root, 'src', 'core', 'klKernelWasm.ts');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--print-wat'))
    process.stdout.write(klKernelWat({ relaxed: process.argv.includes('--relaxed') }));
  else {
    const [bytes, relaxed] = [await klKernelBytes(), await klKernelBytes({ relaxed: true })];
    writeFileSync(KL_KERNEL_MODULE_PATH, klKernelModule(bytes, relaxed));
    console.log(`wrote ${KL_KERNEL_MODULE_PATH} (${bytes.length} and ${relaxed.length} bytes of WebAssembly)`);
  }
}
