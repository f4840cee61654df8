/**
 * Occlusion-flow cost on a 256-position text (BOS + 255 tokens; the fixture model's whole window):
 *   reuse / independent: the token×token matrix with the clean KV prefix reused, over the same matrix
 *     from one full occluded pass per source (target ≤ 0.55);
 *   reuse / floor: over n(n+1)/2 token-steps of plain scoring, timed by analyzeText on the same text
 *     (target ≤ 1.3).
 * Both matrices compare their rows with the clean ones by the same kernel (the fastest available: WebAssembly relaxed
 * SIMD, else SIMD; --kernel pins one).
 * Each run's forward passes are timed apart from the rest (row comparisons and bookkeeping, about the same
 * on both sides): on CPU the passes of the reuse side cost more than half, because its rows are the later
 * positions (more attention per row) and it makes more, shorter calls.
 * Usage: node --import tsx bench/flow.ts [--model DIR] [--reps N] [--threads N (default 1; 0 = ORT's choice)] [--max-batch N] [--kernel wasm-relaxed-simd|wasm-simd|js]
 * (the built-in model has a 512-token window, so it also runs on 256 positions; a model with a shorter
 * window runs on its whole window).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../src/core/analyze';
import { klWorkspace, type KlKernelKind } from '../src/core/klKernel';
import { occlusionFlow, type OcclusionOptions } from '../src/core/occlusionFlow';
import { estimateOcclusionCost } from '../src/core/occlusionPlan';
import { builtinModelDir } from '../src/engines/builtinModel';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { median } from './median';

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

/** Median times of several jobs, run in rotation so that load from other processes hits all of them alike; each job may report a part of its time (the forward passes). */
async function timeRotating(
  jobs: (() => Promise<number | undefined>)[],
  reps: number,
): Promise<{ total: number; part: number }[]> {
  const ms = jobs.map(() => ({ total: [] as number[], part: [] as number[] }));
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < jobs.length; j++) {
      const t = performance.now();
      const part = await jobs[j]();
      ms[j].total.push(performance.now() - t);
      ms[j].part.push(part ?? 0);
    }
  }
  return ms.map((m) => ({ total: median(m.total), part: median(m.part) }));
}

/** The model with its forward passes timed: the rest of a run is the row comparisons and bookkeeping. */
function timedForwards(model: OnnxModel): { model: OnnxModel; take(): number } {
  let ms = 0;
  const timed = Object.create(model) as OnnxModel;
  timed.forward = async (input, signal) => {
    const t = performance.now();
    try {
      return await model.forward(input, signal);
    } finally {
      ms += performance.now() - t;
    }
  };
  return {
    model: timed,
    take: () => {
      const v = ms;
      ms = 0;
      return v;
    },
  };
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
  const kernel = arg('kernel') as KlKernelKind | undefined;
  const opts: OcclusionOptions = {
    unit: 'token',
    maxBatch: arg('max-batch') ? Number(arg('max-batch')) : undefined,
    kernel,
  };
  const cost = estimateOcclusionCost(model, text, opts);
  const indep = estimateOcclusionCost(model, text, { ...opts, reuse: false, maxBatch: 1 });
  console.log(
    `model ${model.info.id} (vocabulary ${model.info.vocabSize}, window ${model.info.contextWindow}); text of ${check} tokens + BOS; ${threads ?? 'default'} ORT threads; ${reps} repetitions, medians; ${klWorkspace(1, 16, 16, { kernel }).kernel} comparisons`,
  );
  console.log(
    `token-steps: reuse ${cost.tokenSteps} in ${cost.passes} passes, independent ${indep.tokenSteps} in ${indep.passes} passes`,
  );

  const timed = timedForwards(model);
  await occlusionFlow(model, text, opts); // warm-up
  const [plain, reuse, independent] = await timeRotating(
    [
      () => analyzeText(text, model).then(() => undefined),
      () => occlusionFlow(timed.model, text, opts).then(timed.take),
      () => occlusionFlow(timed.model, text, { ...opts, reuse: false, maxBatch: 1 }).then(timed.take),
    ],
    reps,
  );
  const floor = (plain.total / check) * ((check * (check + 1)) / 2);
  const rest = (r: { total: number; part: number }) =>
    `forward passes ${r.part.toFixed(0)} ms, comparisons and bookkeeping ${(r.total - r.part).toFixed(0)} ms`;
  console.log(
    `plain scoring (analyzeText): ${plain.total.toFixed(1)} ms → floor n(n+1)/2 token-steps: ${floor.toFixed(0)} ms`,
  );
  console.log(`occlusion matrix with KV reuse: ${reuse.total.toFixed(0)} ms (${rest(reuse)})`);
  console.log(`n independent full passes:      ${independent.total.toFixed(0)} ms (${rest(independent)})`);
  console.log(
    `ratio reuse / independent: ${(reuse.total / independent.total).toFixed(3)} (target ≤ 0.55); forward passes alone: ${(reuse.part / independent.part).toFixed(3)}`,
  );
  console.log(`ratio reuse / floor:       ${(reuse.total / floor).toFixed(3)} (target ≤ 1.3)`);
  await model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
