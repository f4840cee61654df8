/**
 * `npm run bench`: speed and memory of scoring, as ratios measured in one run (medians of repeats),
 * so a shared, noisy machine still gives comparable numbers.
 *  1. analyze on a 512-token text ÷ one bare onnxruntime-node session run on the same ids (target ≤ 1.15)
 *  2. peak memory scoring 8,000 and 16,000 tokens ÷ 2,000 tokens (target: about 1, bounded by the chunk size)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { rawFeeds } from '../test/helpers/rawOrt';
import { benchModelDir, benchText } from './benchModel';
import { median } from './median';

async function timeIt(n: number, f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

async function speed(dir: string): Promise<void> {
  const fused = await OnnxModel.load({ modelDir: dir });
  const js = await OnnxModel.load({ modelDir: dir, fuseMeasures: false });
  // 511 tokens and the BOS: the 512 positions the header promises (1,500 characters gave 394).
  const { text, ids } = benchText(fused);
  const bare = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
  const feeds = rawFeeds(bare, dir, ids);
  const reps = 7;
  const tBare = await timeIt(reps, () => bare.run(feeds));
  const tOne = await timeIt(reps, () => fused.analyze(text, { chunkSize: 512 }));
  const tChunked = await timeIt(reps, () => fused.analyze(text, { chunkSize: 128 }));
  const tJs = await timeIt(3, () => js.analyze(text, { chunkSize: 512 }));
  console.log(`speed: ${ids.length} tokens (${dir.split('/').pop()}), medians of ${reps}`);
  console.log(`  bare onnxruntime-node session run          ${tBare.toFixed(1)} ms`);
  console.log(
    `  analyze, one chunk (measures in ONNX)      ${tOne.toFixed(1)} ms   ratio ${(tOne / tBare).toFixed(2)}  (target ≤ 1.15)`,
  );
  console.log(
    `  analyze, 128-token KV chunks               ${tChunked.toFixed(1)} ms   ratio ${(tChunked / tBare).toFixed(2)}`,
  );
  console.log(`  analyze, measures in JavaScript            ${tJs.toFixed(1)} ms   ratio ${(tJs / tBare).toFixed(2)}`);
  await Promise.all([fused.dispose(), js.dispose(), bare.release()]);
}

function memory(dir: string): void {
  const probe = (tokens: number, mode: string) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'memoryProbe.ts'), dir, String(tokens), '128', mode],
        { encoding: 'utf8' },
      ),
    ) as {
      tokens: number;
      outputMb: number;
      loadedRssMb: number;
      peakRssMb: number;
    };
  for (const [mode, what] of [
    ['kept', 'core analyze, every token kept'],
    ['cli-json', 'CLI analyze --format json, streamed, none kept'],
  ]) {
    const runs = [2000, 8000, 16000].map((t) => probe(t, mode));
    console.log(
      `memory: peak RSS while scoring (separate processes), 128-token chunks, sliding window past the context window; ${what}`,
    );
    for (const r of runs)
      console.log(
        `  ${String(r.tokens).padStart(6)} tokens: peak ${r.peakRssMb.toFixed(0)} MB (after load ${r.loadedRssMb.toFixed(0)} MB)${r.outputMb ? `, ${r.outputMb.toFixed(1)} MB of JSON written` : ''}`,
      );
    console.log(
      `  ratio 16k/2k peak ${(runs[2].peakRssMb / runs[0].peakRssMb).toFixed(2)}, 8k/2k ${(runs[1].peakRssMb / runs[0].peakRssMb).toFixed(2)}  (target: about 1: bounded by the chunk size, not the text length)`,
    );
  }
}

async function main(): Promise<void> {
  const dir = await benchModelDir();
  await speed(dir);
  memory(dir);
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
