/**
 * What ONNX Runtime's prepacking of weights costs and buys on the CPU, for the engine's own session
 * (weightless bytes, weights read by ONNX Runtime from the file; weightlessModel.ts):
 *   node --import tsx bench/prepacking.ts DIR speed [REPS]   forward of 512, 16 and 1 tokens, the sessions in
 *                                                              one process, alternating (medians)
 *   node --import tsx bench/prepacking.ts DIR rss-on|rss-off|rss-tied  RSS after load and after one 512-token forward (MB)
 * Sessions: prepacked, not prepacked, and prepacked but for a tied embedding (what the engine runs on the
 * CPU: tiedEmbedding.ts).
 */
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { withTiedEmbeddingUnpacked } from '../src/engines/onnx/tiedEmbedding';
import { readWeightlessModel } from '../src/engines/onnx/weightlessModel';
import { rawFeeds } from '../test/helpers/rawOrt';
import { median } from './median';
async function main() {
  const [dir, mode, reps = '3'] = process.argv.slice(2);
  const file = join(dir, 'onnx', 'model.onnx');
  const w = readWeightlessModel(file).bytes;
  const mk = (prepack: boolean, tiedUnpacked = false) =>
    ort.InferenceSession.create(tiedUnpacked ? withTiedEmbeddingUnpacked(w).model : w, {
      extra: {
        session: {
          model_external_initializers_file_folder_path: dirname(file),
          ...(prepack ? {} : { disable_prepacking: '1' }),
        },
      },
    });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => 100 + ((i * 37) % 5000));
  if (mode === 'rss-on' || mode === 'rss-off' || mode === 'rss-tied') {
    const s = await mk(mode !== 'rss-off', mode === 'rss-tied');
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
  const sessions = [await mk(true), await mk(false), await mk(true, true)];
  for (const n of [512, 16, 1]) {
    const times: number[][] = sessions.map(() => []);
    const feeds = sessions.map((s) => rawFeeds(s, dir, ids(n)));
    for (let j = 0; j < sessions.length; j++) await sessions[j].run(feeds[j]);
    for (let i = 0; i < Number(reps); i++)
      for (let j = 0; j < sessions.length; j++) {
        const t = performance.now();
        await sessions[j].run(feeds[j]);
        times[j].push(performance.now() - t);
      }
    const [on, off, tied] = times.map(median);
    console.log(
      `${n} tokens: prepacked ${on.toFixed(1)} ms, not prepacked ${off.toFixed(1)} ms (${(off / on).toFixed(2)}), ` +
        `prepacked but the tied embedding ${tied.toFixed(1)} ms (${(tied / on).toFixed(2)})`,
    );
  }
}
main();
