/**
 * Child process for the memory benchmark: scores N tokens of text and prints its peak RSS (MB).
 * Mode `kept`: core analyze keeping every token (what the extension does). Mode `cli-json`: the CLI's
 * `analyze --format json`, which streams each token to standard output (discarded here) and keeps none.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { run } from '../src/cli/run';

async function main(): Promise<void> {
  const [dir, tokens, chunk, mode = 'kept'] = process.argv.slice(2);
  const model = await OnnxModel.load({ modelDir: dir });
  const unit = 'The flow of information through a model is measured in bits, token by token. ';
  let text = unit;
  while (model.tokenize(text).ids.length < Number(tokens)) text += unit;
  const before = process.resourceUsage().maxRSS;
  let n = 0,
    bytes = 0;
  if (mode === 'cli-json') {
    await model.dispose();
    const file = join(mkdtempSync(join(tmpdir(), 'sf-memory-')), 'text.txt');
    writeFileSync(file, text);
    const io = {
      stdout: {
        write: (s: string) => {
          bytes += s.length;
        },
      },
      stderr: { write: () => {} },
      readStdin: async () => new Uint8Array(),
      env: {},
    };
    await run(['analyze', '--model', dir, '--format', 'json', '--chunk-size', chunk, file], io);
    n = Number(tokens);
  } else {
    const r = await model.analyze(text, { chunkSize: Number(chunk) });
    n = r.tokens.length;
    await model.dispose();
  }
  process.stdout.write(
    JSON.stringify({
      tokens: n,
      outputMb: bytes / 1e6,
      loadedRssMb: before / 1024,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}
main();
