/**
 * Where occlusion flow compares each occluded row with its clean reference (divergence.ts
 * againstReference): the clean rows of the targets in one table, one buffer the engine writes each
 * forward's logits into, and the comparison itself. Every comparison needs e^l over the whole
 * vocabulary, so on CPU it costs about as much as the occluded passes themselves. A WebAssembly SIMD
 * kernel (tools/wasm/klKernel.mjs: four float32 lanes, sums carried in float64) runs ~6× faster than the
 * float64 scalar loop, its relaxed-SIMD build (fused multiply-adds; VS Code's Electron, Node ≥ 22) ~8×;
 * both stay within 1e-6 bits of the loop while a row's largest logit is within 8 nats of its reference's,
 * and rows that moved further take the loop. Without WebAssembly, or when the table would not fit in
 * 4 GiB, the scalar loop runs on ordinary arrays.
 */
import { againstReference, referenceRowInto, type ReferenceRow } from './divergence';
import { KL_KERNEL_UNROLL, KL_KERNEL_WASM, KL_KERNEL_WASM_RELAXED } from './klKernelWasm';
import type { FlowResult } from './result';
import { LN2 } from './units';

/** Relaxed SIMD (fused multiply-adds where the engine has them), plain SIMD, or the float64 scalar loop (as a flow result records it). */
export type KlKernelKind = Exclude<NonNullable<FlowResult['comparisons']>, 'device'>;
type WasmKind = Exclude<KlKernelKind, 'js'>;

/** Clean reference rows, row-major [count × vocab], with each row's mass, logZ and max. */
export interface ReferenceTable {
  vocab: number;
  count: number;
  logits: Float32Array;
  probs: Float32Array;
  /** [count × 3]: mass, logZ, max. */
  stats: Float64Array;
}

export interface KlWorkspace {
  readonly kernel: KlKernelKind;
  readonly table: ReferenceTable;
  /** A view of `floats` floats (at most the reserved size) for one forward's logits; the same memory each time. */
  logitsBuffer(floats: number): Float32Array;
  /** log2 p(target) − log2 q(target) and KL(p || q) in bits: p reference i, q the row at `offset` of a logitsBuffer view. */
  compare(i: number, logits: Float32Array, offset: number, target: number): { logRatioBits: number; klBits: number };
}

export interface KlWorkspaceOptions {
  /** The fastest kernel to use (default: relaxed SIMD, else SIMD, else the scalar loop); tests and benchmarks pin one. */
  kernel?: KlKernelKind;
}

const rowView = (a: Float32Array, i: number, vocab: number) => a.subarray(i * vocab, (i + 1) * vocab);

/** Stores clean row `i`; `known`: its logZ and max, when already computed. */
export function setReference(
  table: ReferenceTable,
  i: number,
  row: Float32Array,
  known?: { logZ: number; max: number },
): void {
  const { mass, logZ, max } = referenceRowInto(
    row,
    rowView(table.logits, i, table.vocab),
    rowView(table.probs, i, table.vocab),
    known,
  );
  table.stats.set([mass, logZ, max], 3 * i);
}

export function referenceAt(table: ReferenceTable, i: number): ReferenceRow {
  const s = 3 * i;
  return {
    logits: rowView(table.logits, i, table.vocab),
    probs: rowView(table.probs, i, table.vocab),
    mass: table.stats[s],
    logZ: table.stats[s + 1],
    max: table.stats[s + 2],
  };
}

export const referenceLogits = (table: ReferenceTable, i: number): Float32Array =>
  rowView(table.logits, i, table.vocab);

function jsWorkspace(count: number, vocab: number, bufferFloats: number): KlWorkspace {
  const table: ReferenceTable = {
    vocab,
    count,
    logits: new Float32Array(count * vocab),
    probs: new Float32Array(count * vocab),
    stats: new Float64Array(3 * count),
  };
  const buffer = new Float32Array(bufferFloats);
  return {
    kernel: 'js',
    table,
    logitsBuffer: (floats) => buffer.subarray(0, floats),
    compare: (i, logits, offset, target) => againstReference(referenceAt(table, i), logits, target, offset),
  };
}

type KlRow = (p: number, lp: number, q: number, n: number, shift: number) => [number, number, number];
const compiled = new Map<WasmKind, WebAssembly.Module | null>();

function wasmModule(kind: WasmKind): WebAssembly.Module | null {
  if (!compiled.has(kind)) {
    const base64 = kind === 'wasm-relaxed-simd' ? KL_KERNEL_WASM_RELAXED : KL_KERNEL_WASM;
    try {
      const bytes =
        typeof Buffer !== 'undefined'
          ? Buffer.from(base64, 'base64')
          : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      compiled.set(kind, new WebAssembly.Module(bytes));
    } catch {
      compiled.set(kind, null); // no WebAssembly, no SIMD, or (relaxed) an engine before V8 11.4
    }
  }
  return compiled.get(kind) ?? null;
}

/** How far (nats) a row's largest logit may move from its reference's for the float32 kernel (measured: ≤ 2.5e-7 bits at ±8, 1e-6 at −40). */
const MAX_DRIFT = 8;

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the most a 32-bit memory can address

function wasmWorkspace(kind: WasmKind, count: number, vocab: number, bufferFloats: number): KlWorkspace | null {
  const module = wasmModule(kind);
  const bytes = 4 * (2 * count * vocab + bufferFloats);
  const pages = Math.ceil(bytes / PAGE) + 1;
  if (!module || pages > MAX_PAGES) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch {
    return null; // the memory could not be reserved
  }
  const klRow = new WebAssembly.Instance(module, { env: { memory } }).exports.klRow as KlRow;
  const heap = memory.buffer;
  const table: ReferenceTable = {
    vocab,
    count,
    logits: new Float32Array(heap, 0, count * vocab),
    probs: new Float32Array(heap, 4 * count * vocab, count * vocab),
    stats: new Float64Array(3 * count),
  };
  const bufferAt = 8 * count * vocab;
  const buffer = new Float32Array(heap, bufferAt, bufferFloats);
  const simd = vocab - (vocab % (4 * KL_KERNEL_UNROLL)); // the kernel's share; the rest is summed here
  const all = new Float32Array(heap),
    f = table.logits,
    p = table.probs;
  return {
    kernel: kind,
    table,
    logitsBuffer: (floats) => buffer.subarray(0, floats),
    compare(i, logits, offset, target) {
      if (logits.buffer !== heap) throw new Error('compare: the logits must be a logitsBuffer view');
      const s3 = 3 * i,
        mass = table.stats[s3],
        logZp = table.stats[s3 + 1];
      const row = i * vocab,
        q = logits.byteOffset / 4 + offset;
      // e^(q − shift), shifted by the reference's largest logit (an occluded row mostly stays near its clean row)
      const shift = table.stats[s3 + 2];
      let [z, s, qMax] = klRow(4 * (count * vocab + row), 4 * row, 4 * q, simd, shift);
      for (let v = simd; v < vocab; v++) {
        const l = all[q + v];
        z += Math.exp(l - shift);
        s += p[row + v] * (f[row + v] - l);
        if (l > qMax) qMax = l;
      }
      // Float32 lanes hold ~1e-7 only while the row stays near its reference: q − shift and lp − q are rounded
      // to 2^-24 of their size, so a row whose largest logit moved further takes the float64 scalar path.
      if (!(Math.abs(qMax - shift) <= MAX_DRIFT && z > 0 && z < Infinity))
        return againstReference(referenceAt(table, i), logits, target, offset);
      const c = logZp - (Math.log(z) + shift);
      return { logRatioBits: (f[row + target] - all[q + target] - c) / LN2, klBits: Math.max(0, (s - c * mass) / LN2) };
    },
  };
}

/** A workspace for `count` reference rows and forwards of up to `bufferFloats` logits, with the fastest kernel it can run. */
export function klWorkspace(
  count: number,
  vocab: number,
  bufferFloats: number,
  options: KlWorkspaceOptions = {},
): KlWorkspace {
  const order: WasmKind[] = {
    js: [],
    'wasm-simd': ['wasm-simd'],
    'wasm-relaxed-simd': ['wasm-relaxed-simd', 'wasm-simd'],
  }[options.kernel ?? 'wasm-relaxed-simd'] as WasmKind[];
  for (const kind of order) {
    const w = wasmWorkspace(kind, count, vocab, bufferFloats);
    if (w) return w;
  }
  return jsWorkspace(count, vocab, bufferFloats);
}
