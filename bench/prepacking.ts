/**
 * What ONNX Runtime's prepacking of weights costs and buys on the CPU, for the engine's own session
 * (weightless bytes, weights read by ONNX Runtime from the file; weightlessModel.ts):
 *   node --import tsx bench/prepacking.ts DIR speed [REPS]   forward of 512, 16 and 1 tokens, both sessions in
 *                                                              one process, alternating (medians)
 *   node --import tsx bench/prepacking.ts DIR rss-on|rss-off  RSS after load and after one 512-token forward (MB)
 */
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readWeightlessModel } from '../src/engines/onnx/weightlessModel';
import { rawFeeds } from '../test/helpers/rawOrt';
import { median } from './median';
async function main() {
  const [dir, mode, reps = '3'] = process.argv.slice(2);
  const file = join(dir, 'onnx', 'model.onnx');
  const w = readWeightlessModel(file).bytes;
  const mk = (prepack: boolean) =>
    ort.InferenceSession.create(w, {
      extra: {
        session: {
          model_external_initializers_file_folder_path: dirname(file),
          ...(prepack ? {} : { disable_prepacking: '1' }),
        },
      },
    });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => 100 + ((i * 37) % 5000));
  if (mode === 'rss-on' || mode === 'rss-off') {
    const s = await mk(mode === 'rss-on');
    const afterLoad = process.memoryUsage().rss / 2 ** 20;
    await s.run(rawFeeds(s, dir, ids(512)));
    console.log(
      JSON.stringify({
        mode,
        afterLoad: Math.round(afterLoad),
        afterRun: Math.round(process.memoryUsage().rss / 2 ** 20),
        peak: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
    return;
  }
  const on = await mk(true),
    off = await mk(false);
  for (const n of [512, 16, 1]) {
    const a: number[] = [],
      b: number[] = [];
    const fOn = rawFeeds(on, dir, ids(n)),
      fOff = rawFeeds(off, dir, ids(n));
    await on.run(fOn);
    await off.run(fOff);
    for (let i = 0; i < Number(reps); i++) {
      let t = performance.now();
      await on.run(fOn);
      a.push(performance.now() - t);
      t = performance.now();
      await off.run(fOff);
      b.push(performance.now() - t);
    }
    console.log(
      `${n} tokens: prepacked ${median(a).toFixed(1)} ms, not prepacked ${median(b).toFixed(1)} ms, ratio ${(median(b) / median(a)).toFixed(2)}`,
    );
  }
}
main();
