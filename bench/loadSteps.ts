/**
 * What a model load costs, step by step, each variant in its own process (one JSON line each):
 *   node --import tsx bench/loadSteps.ts VARIANT DIR [SESSION_OPTIONS_JSON]
 * Variants:
 *   bare-path       onnxruntime-node session creation from onnx/model.onnx (the bench's baseline)
 *   bare-weightless the same from the weightless bytes (weightlessModel.ts) with externalDataDir
 *   bare-fused      the same from the weightless model with the measure scorer appended (fusedScorer.ts)
 *   tokenizer       the engine's tokenizer alone: tokenizer.json and tokenizer_config.json parsed, the tokenizer built
 *   tokenizer-auto  transformers.js' AutoTokenizer reading the folder (how the engine loaded it before)
 *   engine          the whole OnnxModel.load
 * Prints ms, the RSS now (after a GC) and the peak RSS, in MB.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { fuseScorer } from '../src/engines/onnx/fusedScorer';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { textTokenizerOf } from '../src/engines/onnx/textTokenizer';
import { readWeightlessModel } from '../src/engines/onnx/weightlessModel';

const jsonOf = (dir: string, name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
const vocabOf = (dir: string): number => jsonOf(dir, 'config.json').vocab_size as number;
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

async function main(): Promise<void> {
  const [variant, dir, optionsJson] = process.argv.slice(2);
  const file = join(dir, 'onnx', 'model.onnx');
  const extra = optionsJson ? (JSON.parse(optionsJson) as ort.InferenceSession.SessionOptions) : {};
  const withDir = (o: ort.InferenceSession.SessionOptions): ort.InferenceSession.SessionOptions => ({
    ...o,
    extra: {
      ...(o.extra as object),
      session: {
        ...((o.extra as { session?: object })?.session ?? {}),
        model_external_initializers_file_folder_path: dirname(file),
      },
    },
  });
  const startRss = process.memoryUsage().rss;
  const t = performance.now();
  let keep: unknown;
  if (variant === 'bare-path') keep = await ort.InferenceSession.create(file, extra);
  else if (variant === 'bare-weightless')
    keep = await ort.InferenceSession.create(readWeightlessModel(file).bytes, withDir(extra));
  else if (variant === 'bare-fused')
    keep = await ort.InferenceSession.create(fuseScorer(readWeightlessModel(file).bytes, vocabOf(dir)), withDir(extra));
  else if (variant === 'tokenizer')
    keep = textTokenizerOf(jsonOf(dir, 'tokenizer.json'), jsonOf(dir, 'tokenizer_config.json'), dir);
  else if (variant === 'tokenizer-auto') keep = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  else if (variant === 'engine') keep = await OnnxModel.load({ modelDir: dir });
  else throw new Error(`unknown variant ${variant}`);
  const ms = performance.now() - t;
  (globalThis as { gc?: () => void }).gc?.();
  const u = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      variant,
      ms: Math.round(ms),
      startRssMb: mb(startRss),
      rssMb: mb(u.rss),
      peakMb: Math.round(process.resourceUsage().maxRSS / 1024),
      heapMb: mb(u.heapUsed),
      externalMb: mb(u.external + u.arrayBuffers),
      kept: keep ? 1 : 0,
    }) + '\n',
  );
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
