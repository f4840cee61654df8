/**
 * The GPU path on whatever WebGPU adapter this machine has (on a machine without a GPU, Mesa's lavapipe,
 * which runs the GPU code on the CPU: its times say nothing about a real GPU, only the ratios do):
 *   analyze of 512 tokens (one chunk) on the GPU ÷ one bare onnxruntime-node run of the same model on
 *     the same device, its outputs read back as a plain session does (target ≤ 1.2)
 *   bytes the analysis copies back to the CPU per token, top-k 5 (target ≤ 1 KB; the logits are 200 KB)
 *   the model alone (a pass whose reduction gets one row), so what the reduction and the read-back cost
 * A WebGPU run whose outputs stay on the GPU returns before the GPU finishes, so both sides are timed up
 * to reading a result back. Usage: node --import tsx bench/gpu.ts [--reps N] [--model DIR]
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { rawFeeds } from '../test/helpers/rawOrt';
import { benchModelDir, benchText } from './benchModel';
import { median } from './median';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const dir = arg('model') ?? (await benchModelDir());
  const reps = Number(arg('reps') ?? 3);
  const model = await OnnxModel.load({ modelDir: dir, device: 'webgpu' });
  if (model.info.device !== 'webgpu') {
    console.log(`gpu: skipped, no WebGPU adapter here (${model.info.fallbackReason})`);
    await model.dispose();
    return;
  }
  const { text, ids } = benchText(model);
  const bare = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'), {
    executionProviders: ['webgpu'],
    logSeverityLevel: 3,
  });
  const feeds = rawFeeds(bare, dir, ids);
  const analyze = () => model.analyze(text, { chunkSize: 512, topK: 5 });
  // The same fused session without logits: its reduction gets one row, so this is the model's own cost.
  const forward = () => model.forward({ inputIds: [ids], wantLogits: false });
  await bare.run(feeds);
  await analyze();
  await forward();
  const tBare: number[] = [],
    tAnalyze: number[] = [],
    tForward: number[] = [];
  let bytes = 0;
  for (let i = 0; i < reps; i++) {
    tBare.push(await timed(() => bare.run(feeds)));
    const before = model.deviceTensors.bytesToCpu;
    tAnalyze.push(await timed(analyze));
    bytes = model.deviceTensors.bytesToCpu - before;
    tForward.push(await timed(forward));
  }
  const perToken = bytes / (ids.length - 1);
  console.log(`gpu: ${ids.length} tokens on WebGPU (${dir.split('/').pop()}), medians of ${reps}`);
  console.log(`  bare onnxruntime-node run, outputs read back  ${median(tBare).toFixed(0)} ms`);
  console.log(
    `  analyze, one chunk, measures on the GPU       ${median(tAnalyze).toFixed(0)} ms   ratio ${(median(tAnalyze) / median(tBare)).toFixed(2)}  (target ≤ 1.2)`,
  );
  console.log(
    `  the model alone (reduction on one row)        ${median(tForward).toFixed(0)} ms   so the measure reduction of ${ids.length} rows ≈ ${(median(tAnalyze) - median(tForward)).toFixed(0)} ms, the logits read back ≈ ${(median(tBare) - median(tForward)).toFixed(0)} ms`,
  );
  console.log(
    `  copied back to the CPU per token              ${perToken.toFixed(0)} bytes (target ≤ 1024; a logits row is ${(4 * model.info.vocabSize).toLocaleString('en-US')})`,
  );
  await Promise.all([model.dispose(), bare.release()]);
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
