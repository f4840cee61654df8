/**
 * What each full-size kernel of the device measure reduction costs on this machine's WebGPU adapter
 * (on lavapipe, the CPU): graphs over logits [1 × rows × vocab] that stop after a prefix of the
 * reduction's nodes, each timed up to reading a one-element slice of every full-size tensor back
 * (a WebGPU run returns before the GPU finishes). The cost of a kernel is the step between prefixes;
 * alternative formulations are timed the same way. Usage:
 *   node --import tsx bench/gpuReductionKernels.ts [--reps N] [--rows N] [--vocab N]
 */
import * as ort from 'onnxruntime-node';
import {
  ONNX_TYPE as ONNX,
  attrFloat,
  attrInt,
  attrInts,
  constInts,
  modelOf,
  node,
  valueInfo,
} from '../src/engines/onnx/onnxGraph';
import { median } from './median';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const reps = arg('reps', 3);
const rows = arg('rows', 512);
const vocab = arg('vocab', 50257);
const GROUP = 256;
const INT32 = 6;
const padded = Math.ceil(vocab / GROUP) * GROUP;

const consts = [
  constInts('axis_last', [-1]),
  constInts('groups', [0, 0, -1, GROUP]),
  constInts('zeros3', [0, 0, 0]),
  constInts('ones3', [1, 1, 1]),
  constInts('zeros1', [0]),
  constInts('big1', [1 << 30]),
  constInts('axis1', [1]),
  constInts('pads', [0, 0, 0, 0, 0, padded - vocab]),
  node('Constant', [], ['pad_value'], [attrFloat('value_float', -1e30)]),
];
const sum = (i: string, o: string, keep = 1) => node('ReduceSum', [i, 'axis_last'], [o], [attrInt('keepdims', keep)]);
// ReduceMax and ReduceLogSumExp at opset 17 take their axes as an attribute.
const axesAttr = attrInts('axes', [-1]);
const max = (i: string, o: string, keep = 1) => node('ReduceMax', [i], [o], [attrInt('keepdims', keep), axesAttr]);

/** Steps: [label, nodes, the full-size tensors they leave, the small ones]. */
type Step = [string, Uint8Array[], string[], string[]?];

const current: Step[] = [
  ['Pad (vocabulary to whole groups)', [node('Pad', ['x', 'pads', 'pad_value'], ['rows'])], ['rows']],
  ['ReduceMax', [max('rows', 'm')], [], ['m']],
  ['Sub', [node('Sub', ['rows', 'm'], ['d'])], ['d']],
  ['Exp', [node('Exp', ['d'], ['e'])], ['e']],
  [
    'group sums of e (z)',
    [node('Reshape', ['e', 'groups'], ['eg']), sum('eg', 'egs', 0), sum('egs', 'z', 0)],
    [],
    ['z'],
  ],
  ['Mul e·d', [node('Mul', ['e', 'd'], ['ed'])], ['ed']],
  [
    'group sums of e·d (s1)',
    [node('Reshape', ['ed', 'groups'], ['edg']), sum('edg', 'edgs', 0), sum('edgs', 's1', 0)],
    [],
    ['s1'],
  ],
  ['Mul e·d·d', [node('Mul', ['ed', 'd'], ['edd'])], ['edd']],
  [
    'group sums of e·d² (s2)',
    [node('Reshape', ['edd', 'groups'], ['eddg']), sum('eddg', 'eddgs', 0), sum('eddgs', 's2', 0)],
    [],
    ['s2'],
  ],
  ['GatherElements target', [node('GatherElements', ['d', 't3'], ['td3'], [attrInt('axis', -1)])], [], ['td3']],
  ['Greater', [node('Greater', ['d', 'td3'], ['gt'])], ['gt']],
  ['Cast', [node('Cast', ['gt'], ['gtf'], [attrInt('to', ONNX.FLOAT)])], ['gtf']],
  ['ReduceSum (rank)', [sum('gtf', 'rank', 0)], [], ['rank']],
  ['group maxima (top-k)', [node('Reshape', ['d', 'groups'], ['dg']), max('dg', 'gmax', 0)], [], ['gmax']],
];

const expThen = (label: string, n: Uint8Array[], few: string[]): Step[] => [
  ['Pad', [node('Pad', ['x', 'pads', 'pad_value'], ['px'])], ['px']],
  ['  then Exp', [node('Exp', ['px'], ['xe'])], ['xe']],
  [label, n, [], few],
];
const target: Step = [
  'GatherElements target',
  [node('GatherElements', ['x', 't3'], ['tx'], [attrInt('axis', -1)])],
  [],
  ['tx'],
];
const alternatives: Step[][] = [
  [
    target,
    ['rank: Greater', [node('Greater', ['x', 'tx'], ['gt'])], ['gt']],
    ['rank: Cast to float', [node('Cast', ['gt'], ['gtf'], [attrInt('to', ONNX.FLOAT)])], ['gtf']],
    ['rank: ReduceSum', [sum('gtf', 'rank', 0)], [], ['rank']],
  ],
  [
    target,
    ['rank: Greater', [node('Greater', ['x', 'tx'], ['gt'])], ['gt']],
    ['rank: Cast to int32', [node('Cast', ['gt'], ['gti'], [attrInt('to', INT32)])], []],
    ['rank: ReduceSum int32', [sum('gti', 'ranki', 0)], [], ['ranki']],
  ],
  [
    target,
    ['rank: Sub', [node('Sub', ['x', 'tx'], ['xt'])], ['xt']],
    ['rank: Relu', [node('Relu', ['xt'], ['xtr'])], ['xtr']],
    ['rank: Sign', [node('Sign', ['xtr'], ['xts'])], ['xts']],
    ['rank: ReduceSum', [sum('xts', 'rank2', 0)], [], ['rank2']],
  ],
  [['Pad', [node('Pad', ['x', 'pads', 'pad_value'], ['xp'])], ['xp']]],
  [['Slice rows', [node('Slice', ['x', 'zeros1', 'big1', 'axis1'], ['xs'])], ['xs']]],
  expThen(
    '  then group sums',
    [node('Reshape', ['xe', 'groups'], ['xeg']), sum('xeg', 'xegs', 0), sum('xegs', 'xz', 0)],
    ['xz'],
  ),
  expThen('  then a flat ReduceSum', [sum('xe', 'xz', 0)], ['xz']),
  [
    ['Pad', [node('Pad', ['x', 'pads', 'pad_value'], ['px'])], ['px']],
    ['  then group maxima', [node('Reshape', ['px', 'groups'], ['pxg']), max('pxg', 'pgm', 0)], [], ['pgm']],
    ['  then their maximum', [max('pgm', 'pm')], [], ['pm']],
  ],
  [['Softmax', [node('Softmax', ['x'], ['p'], [attrInt('axis', -1)])], ['p']]],
  [['LogSoftmax', [node('LogSoftmax', ['x'], ['lp'], [attrInt('axis', -1)])], ['lp']]],
  [['ReduceLogSumExp', [node('ReduceLogSumExp', ['x'], ['lse'], [attrInt('keepdims', 1), axesAttr])], [], ['lse']]],
  [['ReduceSum flat', [sum('x', 'fs', 0)], [], ['fs']]],
  [['ReduceMax flat', [max('x', 'fm', 0)], [], ['fm']]],
  [['Exp alone', [node('Exp', ['x'], ['xe'])], ['xe']]],
  [
    [
      'Reshape to [rows,1,V] and [rows,V,1]',
      [node('Reshape', ['x', 'row_vec'], ['xr']), node('Reshape', ['x', 'col_vec'], ['xc'])],
      [],
    ],
    ['MatMul [rows,1,V]×[rows,V,1]', [node('MatMul', ['xr', 'xc'], ['xx'])], [], ['xx']],
  ],
];

function graph(steps: Step[]): Uint8Array {
  const nodes = [...consts, constInts('row_vec', [rows, 1, vocab]), constInts('col_vec', [rows, vocab, 1])];
  nodes.push(node('Unsqueeze', ['t', 'axis_last'], ['t3']));
  const sinks: string[] = ['x'];
  const small: string[] = [];
  for (const [, n, full, few] of steps) {
    nodes.push(...n);
    sinks.push(...full);
    small.push(...(few ?? []));
  }
  // Every small output of the steps is read too, so nothing is pruned.
  const names: string[] = [];
  for (const s of sinks) {
    nodes.push(node('Slice', [s, 'zeros3', 'ones3'], [`${s}_sink`]));
    names.push(`${s}_sink`);
  }
  for (const s of small) {
    nodes.push(node('ReduceMax', [s], [`${s}_sink`], [attrInt('keepdims', 0)]));
    names.push(`${s}_sink`);
  }
  return modelOf('reduction_prefix', {
    nodes,
    inputs: [valueInfo(11, 'x', ONNX.FLOAT, [1, rows, vocab]), valueInfo(11, 't', ONNX.INT64, [1, rows])],
    outputs: names.map((n) =>
      valueInfo(
        12,
        n,
        n === 'gt_sink' ? ONNX.BOOL : n === 'ranki_sink' ? INT32 : ONNX.FLOAT,
        small.includes(n.slice(0, -5)) ? [] : [1, 1, 1],
      ),
    ),
  });
}

async function main(): Promise<void> {
  const x = new Float32Array(rows * vocab);
  for (let i = 0; i < x.length; i++) x[i] = 10 * Math.sin(i * 0.7931) + (i % 97) * 0.01;
  const t = new BigInt64Array(rows).map((_, i) => BigInt((i * 7919) % vocab));
  const feeds = { x: new ort.Tensor('float32', x, [1, rows, vocab]), t: new ort.Tensor('int64', t, [1, rows]) };
  const variants: [string, Step[]][] = [['upload + sinks only', []]];
  const onlyAlternatives = process.argv.includes('--alternatives');
  if (!onlyAlternatives)
    for (let k = 1; k <= current.length; k++) variants.push([current[k - 1][0], current.slice(0, k)]);
  for (const alt of alternatives) for (let k = 1; k <= alt.length; k++) variants.push([alt[k - 1][0], alt.slice(0, k)]);
  const sessions = [];
  for (const [, steps] of variants)
    sessions.push(
      await ort.InferenceSession.create(graph(steps), { executionProviders: ['webgpu'], logSeverityLevel: 3 }),
    );
  const times: number[][] = variants.map(() => []);
  for (const s of sessions) await s.run(feeds);
  for (let r = 0; r < reps; r++)
    for (let i = 0; i < sessions.length; i++) {
      const t0 = performance.now();
      await sessions[i].run(feeds);
      times[i].push(performance.now() - t0);
    }
  const med = times.map(median);
  console.log(`reduction kernels on WebGPU, [${rows} × ${vocab}] float32, medians of ${reps} (ms)`);
  let prev = med[0];
  console.log(`  ${variants[0][0].padEnd(40)} ${med[0].toFixed(0).padStart(6)}`);
  for (let i = 1; i < variants.length; i++) {
    const base = variants[i][1].length === 1 ? med[0] : med[i - 1];
    const inCurrent = !onlyAlternatives && i <= current.length;
    const step = med[i] - (inCurrent ? prev : variants[i][1].length === 1 ? base : med[i - 1]);
    console.log(`  ${variants[i][0].padEnd(40)} ${med[i].toFixed(0).padStart(6)}  step ${step.toFixed(0).padStart(6)}`);
    prev = med[i];
  }
  for (const s of sessions) await s.release();
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
