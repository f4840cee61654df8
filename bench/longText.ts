/**
 * `npm run bench:long`: peak RSS of `semantic-flow analyze` with the built-in model on 0.25, 0.5, 1 and 2 MB
 * of real text (README.md and docs/*.md, repeated), one process per run, output to /dev/null. The target:
 * peak RSS hardly grows with the text beyond what the streamed run must hold per token (its packed ids and
 * spans, core/packedTokens.ts), so the slope between the smallest and the largest text is printed in bytes
 * per token next to what the packed tokens keep per token (heap and array buffers after collection). A 2 MB
 * run takes minutes; --sizes 0.25,0.5 and --formats json,csv,table choose the runs.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { builtinModelDir, packageRoot } from '../src/engines/builtinModel';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { cliPeak } from './cliPeak';

const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1] : fallback).split(',');
};
const sizes = option('sizes', '0.25,0.5,1,2').map(Number);
const formats = option('formats', 'json');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers; // the packed tokens' typed arrays are outside the heap
};

/** `bytes` of README.md and docs/*.md, repeated. */
function realText(bytes: number): string {
  const root = packageRoot();
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
  const base = [join(root, 'README.md'), ...docs.map((f) => join(root, 'docs', f))]
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const text = base.repeat(Math.ceil(bytes / base.length) + 1);
  return Buffer.from(text)
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

const { SEMANTIC_FLOW_MODEL: _, ...builtinModelEnv } = process.env;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-longtext-'));
  const model = await OnnxModel.load({ modelDir: builtinModelDir() });
  try {
    const texts = sizes.map((mb) => {
      const text = realText(mb * 1e6);
      const file = join(dir, `${mb}MB.txt`);
      writeFileSync(file, text);
      const before = heapAfterGc();
      const packed = model.tokenizePacked(text, []);
      const held = heapAfterGc() - before;
      return { mb, file, tokens: packed.seq.length, heldPerToken: held / packed.seq.length };
    });
    console.log(`analyze with the built-in model, one process per run, load average ${loadavg()[0].toFixed(1)}`);
    for (const t of texts)
      console.log(
        `  ${t.mb} MB: ${t.tokens.toLocaleString('en-US')} tokens; packed, they keep ${t.heldPerToken.toFixed(0)} bytes/token`,
      );
    for (const format of formats) {
      const runs = texts.map((t) => ({ ...t, ...cliPeak(['analyze', '--format', format, t.file], builtinModelEnv) }));
      console.log(`--format ${format}`);
      for (const r of runs)
        console.log(
          `  ${String(r.mb).padStart(4)} MB: peak RSS ${(r.peak / 1e6).toFixed(0)} MB, ${r.seconds.toFixed(0)} s`,
        );
      const [a, b] = [runs[0], runs[runs.length - 1]];
      if (runs.length > 1)
        console.log(
          `  slope ${((b.peak - a.peak) / (b.tokens - a.tokens)).toFixed(0)} bytes/token from ${a.mb} to ${b.mb} MB ` +
            `(peak ratio ${(b.peak / a.peak).toFixed(2)} for ${(b.tokens / a.tokens).toFixed(1)}× the tokens)`,
        );
    }
  } finally {
    await model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
