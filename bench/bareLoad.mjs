/**
 * Child process of bench/scale.ts: bare onnxruntime-node session creation on DIR/onnx/model.onnx in plain
 * Node (no tsx), the same kind of process as the bundled CLI the engine side runs in, so that the two
 * peaks compare. Prints one JSON line: ms, peak RSS (MB), and the process's own peak before the session.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const peakMb = () => process.resourceUsage().maxRSS / 1024;
const before = peakMb();
const t = performance.now();
await ort.InferenceSession.create(join(process.argv[2], 'onnx', 'model.onnx'));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t, peakMb: peakMb(), beforeMb: before })}\n`);
