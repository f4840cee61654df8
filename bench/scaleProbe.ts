/**
 * Child process of bench/scale.ts, one measurement per process so that each starts with a clean heap:
 *   bare-load DIR        onnxruntime-node session creation on onnx/model.onnx (ms, peak RSS MB)
 *   bare-unpacked DIR    a session of the weightless bytes as the engine creates it (weights read by ONNX Runtime
 *                        from the file), without ONNX Runtime's prepacking of weights (ms, peak RSS MB)
 *   load DIR             OnnxModel.load (ms)
 *   load-progress DIR    OnnxModel.load with a progress listener, as the CLI and the extension load (ms)
 *   rss DIR              OnnxModel.load, then analyze of the 512-token text: peak RSS (MB), and that first analysis (ms)
 *   baseline             the same imports and no model: the process's own peak RSS (MB)
 *   text DIR FILE        writes the 512-token text to FILE (for the bundled CLI's run) and prints its token count
 *   speed DIR REPS       analyze of the 512-token text (one chunk) and one bare session run on the same ids (median ms)
 * Prints one JSON line.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { readWeightlessModel } from '../src/engines/onnx/weightlessModel';
import { rawFeeds } from '../test/helpers/rawOrt';
import { benchText } from './benchModel';
import { median } from './median';

const peakMb = (): number => process.resourceUsage().maxRSS / 1024;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const [mode, dir, reps] = process.argv.slice(2);
  const file = dir ? join(dir, 'onnx', 'model.onnx') : '';
  let out: Record<string, number>;
  if (mode === 'bare-load') {
    out = { ms: await timed(() => ort.InferenceSession.create(file)), peakMb: peakMb() };
  } else if (mode === 'bare-unpacked') {
    const folder = { model_external_initializers_file_folder_path: dirname(file) };
    const options = { extra: { session: { ...folder, disable_prepacking: '1' } } };
    const weightless = readWeightlessModel(file).bytes;
    out = { ms: await timed(() => ort.InferenceSession.create(weightless, options)), peakMb: peakMb() };
  } else if (mode === 'load') {
    out = { ms: await timed(() => OnnxModel.load({ modelDir: dir })) };
  } else if (mode === 'load-progress') {
    out = { ms: await timed(() => OnnxModel.load({ modelDir: dir, onProgress: () => undefined })) };
  } else if (mode === 'rss') {
    const model = await OnnxModel.load({ modelDir: dir });
    const afterLoad = peakMb();
    const t = performance.now();
    const r = await model.analyze(benchText(model).text, { chunkSize: 512 });
    out = { afterLoadMb: afterLoad, peakMb: peakMb(), tokens: r.tokens.length, firstAnalyzeMs: performance.now() - t };
  } else if (mode === 'text') {
    const model = await OnnxModel.load({ modelDir: dir });
    const { text, ids } = benchText(model);
    writeFileSync(reps, text);
    out = { tokens: ids.length };
  } else if (mode === 'baseline') {
    out = { peakMb: peakMb() };
  } else if (mode === 'speed') {
    const model = await OnnxModel.load({ modelDir: dir });
    const { text, ids } = benchText(model);
    const bare = await ort.InferenceSession.create(file);
    const feeds = rawFeeds(bare, dir, ids);
    const tBare: number[] = [],
      tAnalyze: number[] = [];
    await bare.run(feeds);
    await model.analyze(text, { chunkSize: 512 });
    for (let i = 0; i < Number(reps ?? 3); i++) {
      tBare.push(await timed(() => bare.run(feeds)));
      tAnalyze.push(await timed(() => model.analyze(text, { chunkSize: 512 })));
    }
    out = { tokens: ids.length, bareMs: median(tBare), analyzeMs: median(tAnalyze) };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
