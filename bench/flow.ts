/**
 * Occlusion-flow cost on a 256-position text (BOS + 255 tokens; the fixture model's whole window):
 *   reuse / independent: the token×token matrix with the clean KV prefix reused, over the same matrix
 *     from one full occluded pass per source (target ≤ 0.55);
 *   reuse / floor: over n(n+1)/2 token-steps of plain scoring, timed by analyzeText on the same text
 *     (target ≤ 1.3).
 * Both matrices compare their rows with the clean ones by the same kernel (WebAssembly SIMD unless --kernel js).
 * Usage: node --import tsx bench/flow.ts [--model DIR] [--reps N] [--threads N (default 1; 0 = ORT's choice)] [--max-batch N] [--kernel wasm-simd|js]
 * (the built-in model has a 512-token window, so it also runs on 256 positions; a model with a shorter
 * window runs on its whole window).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../src/core/analyze';
import type { KlKernelKind } from '../src/core/klKernel';
import { occlusionFlow, type OcclusionOptions } from '../src/core/occlusionFlow';
import { estimateOcclusionCost } from '../src/core/occlusionPlan';
import { builtinModelDir } from '../src/engines/builtinModel';
import { OnnxModel } from '../src/engines/onnx/onnxModel';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const CORPUS = `The cat sat on the mat. Then the cat ran to the door, and the dog sat where the cat had been.
When the sun went down, the garden was quiet and the birds returned to the old oak tree by the river.
def main(argv):
    total = 0
    for line in open(argv[1]):
        total += len(line.split())
    return total

She said that the report was late because the data had not arrived, and that the team would send it on Monday.
import os
import sys
print(os.getcwd(), sys.argv)
The quick brown fox jumps over the lazy dog while the farmer counts his sheep and the children play in the field.
`.repeat(4);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median times of several jobs, run in rotation so that load from other processes hits all of them alike. */
async function timeRotating(jobs: (() => Promise<unknown>)[], reps: number): Promise<number[]> {
  const ms = jobs.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < jobs.length; j++) {
      const t = performance.now();
      await jobs[j]();
      ms[j].push(performance.now() - t);
    }
  }
  return ms.map(median);
}

async function main(): Promise<void> {
  const fixture = join(__dirname, '..', 'test', 'fixtures', 'models', 'tiny-gpt2');
  const dir = arg('model') ?? (existsSync(fixture) ? fixture : builtinModelDir());
  const reps = Number(arg('reps') ?? 5);
  // One intra-op thread by default: on a small shared machine ONNX Runtime's spinning thread pool
  // makes every pass slower and the timings noisy (measured ×3 on 2 cores).
  const threads = Number(arg('threads') ?? 1) || undefined;
  const model = await OnnxModel.load({ modelDir: dir, threads });
  const positions = Math.min(256, model.info.contextWindow ?? 256);
  // The longest prefix of the corpus that is BOS + (positions − 1) tokens, cut at a token boundary.
  const tok = model.tokenize(CORPUS);
  const n = Math.min(positions - 1, tok.ids.length);
  const text = CORPUS.slice(0, tok.spans[n - 1].end);
  const check = model.tokenize(text).ids.length;
  const kernel = (arg('kernel') ?? 'wasm-simd') as KlKernelKind;
  const opts: OcclusionOptions = { unit: 'token', maxBatch: arg('max-batch') ? Number(arg('max-batch')) : undefined, kernel };
  const cost = estimateOcclusionCost(model, text, opts);
  const indep = estimateOcclusionCost(model, text, { ...opts, reuse: false, maxBatch: 1 });
  console.log(`model ${model.info.id} (vocabulary ${model.info.vocabSize}, window ${model.info.contextWindow}); text of ${check} tokens + BOS; ${threads ?? 'default'} ORT threads; ${reps} repetitions, medians; ${kernel} comparisons`);
  console.log(`token-steps: reuse ${cost.tokenSteps} in ${cost.passes} passes, independent ${indep.tokenSteps} in ${indep.passes} passes`);

  await occlusionFlow(model, text, opts); // warm-up
  const [tPlain, tReuse, tIndep] = await timeRotating(
    [() => analyzeText(text, model), () => occlusionFlow(model, text, opts), () => occlusionFlow(model, text, { ...opts, reuse: false, maxBatch: 1 })],
    reps,
  );
  const floor = (tPlain / check) * ((check * (check + 1)) / 2);
  console.log(`plain scoring (analyzeText): ${tPlain.toFixed(1)} ms → floor n(n+1)/2 token-steps: ${floor.toFixed(0)} ms`);
  console.log(`occlusion matrix with KV reuse: ${tReuse.toFixed(0)} ms`);
  console.log(`n independent full passes:      ${tIndep.toFixed(0)} ms`);
  console.log(`ratio reuse / independent: ${(tReuse / tIndep).toFixed(3)} (target ≤ 0.55)`);
  console.log(`ratio reuse / floor:       ${(tReuse / floor).toFixed(3)} (target ≤ 1.3)`);
  await model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
