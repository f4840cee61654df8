/** Child process for the memory benchmark: scores N tokens of text and prints its peak RSS (MB). */
import { OnnxModel } from '../src/engines/onnx/onnxModel';

async function main(): Promise<void> {
  const [dir, tokens, chunk] = process.argv.slice(2);
  const model = await OnnxModel.load({ modelDir: dir });
  const unit = 'The flow of information through a model is measured in bits, token by token. ';
  let text = unit;
  while (model.tokenize(text).ids.length < Number(tokens)) text += unit;
  const before = process.resourceUsage().maxRSS;
  const r = await model.analyze(text, { chunkSize: Number(chunk) });
  process.stdout.write(JSON.stringify({ tokens: r.tokens.length, loadedRssMb: before / 1024, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
  await model.dispose();
}
main();
