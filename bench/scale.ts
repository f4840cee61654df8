/**
 * Load time and memory that scale (issue 14), for an 82 M and a 355 M GPT-2 and a ~135 M Llama-shaped
 * model (SmolLM2-135M's shape, its weights in an external-data file), random weights, written into a
 * temporary folder that is removed at the end (--dir DIR keeps them there for the next run; never commit them):
 *   load ÷ bare onnxruntime-node session creation on the same file (target ≤ 1.3), and the same load
 *     with a progress listener (what the CLI and the extension do: models of 256 MB or more are read once first)
 *   peak RSS ÷ the model's ONNX bytes of the bundled CLI (what users run) analysing 512 tokens (target ≤ 1.5),
 *     beside the same CLI analysing one word (load), a bare session created in plain Node (the same kind of
 *     process, the same default threads: bench/bareLoad.mjs), the CLI with --no-prepack, and the old way (a tsx process, ~150 MB of
 *     loader and sources more); after load, the engine's session alone without ONNX Runtime's prepacked weights
 *   analyze of 512 tokens in one chunk ÷ one bare session run on the same ids (target ≤ 1.15)
 * Every measurement runs in its own process (bench/scaleProbe.ts); load times alternate bare and engine,
 * medians of --reps (default 3). The page cache is warm for both sides (a first, unmeasured load).
 * Usage: node --import tsx bench/scale.ts [--only gpt2-82m|gpt2-355m|llama-135m] [--reps N] [--dir DIR]
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinModelDir, packageRoot } from '../src/engines/builtinModel';
import { DEFAULT_CHUNK_SIZE } from '../src/core/analyze';
import { cliPeak } from './cliPeak';
import { median } from './median';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

interface BenchModel {
  name: string;
  make(dir: string): Promise<void>;
}

const gpt2 = (layers: number, embd: number, heads: number) => async (dir: string) => {
  const { writeGpt2Model } = await import(join(packageRoot(), 'tools', 'fixtures', 'gpt2Onnx.mjs'));
  writeGpt2Model(dir, {
    layers,
    embd,
    heads,
    positions: 1024,
    vocab: 50257,
    eosId: 50256,
    seed: 7,
    past: true,
    q8: false,
  });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(builtinModelDir(), f), join(dir, f));
};

const MODELS: BenchModel[] = [
  { name: 'gpt2-82m', make: gpt2(6, 768, 12) }, // distilgpt2's shape
  { name: 'gpt2-355m', make: gpt2(24, 1024, 16) }, // gpt2-medium's shape
  {
    name: 'llama-135m',
    make: async (dir) => {
      const { makeLlamaModel, LLAMA_PRESETS } = await import(join(packageRoot(), 'tools', 'fixtures', 'llamaOnnx.mjs'));
      await makeLlamaModel(dir, {
        ...LLAMA_PRESETS['smollm2-135m'],
        family: 'llama',
        seed: 7,
        bosId: 0,
        eosId: 0,
        externalData: true,
      });
    },
  },
];

async function modelDir(root: string, m: BenchModel): Promise<string> {
  const dir = join(root, m.name);
  if (!existsSync(join(dir, 'onnx', 'model.onnx'))) {
    mkdirSync(dir, { recursive: true });
    console.log(`making ${m.name} in ${dir} …`);
    await m.make(dir);
  }
  return dir;
}

const lastJsonLine = (out: string): Record<string, number> => JSON.parse(out.trim().split('\n').pop()!);

function probe(...args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'scaleProbe.ts'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return lastJsonLine(out);
}

/** A bare session in plain Node, the bundled CLI's kind of process (bench/bareLoad.mjs). */
const bareInNode = (dir: string): Record<string, number> =>
  lastJsonLine(execFileSync(process.execPath, [join(__dirname, 'bareLoad.mjs'), dir], { encoding: 'utf8' }));

const MB = 2 ** 20;

/**
 * Peak RSS (MB) of `semantic-flow analyze` on FILE with the model in DIR, one chunk of 512 unless `flags`
 * set another (users get the default chunk size, DEFAULT_CHUNK_SIZE).
 */
const cliAnalyzePeak = (dir: string, file: string, flags: string[] = []): number =>
  cliPeak(['analyze', '--model', dir, '--chunk-size', '512', '--format', 'json', ...flags, file]).peak / MB;

async function main(): Promise<void> {
  const reps = Number(arg('reps') ?? 3);
  const only = arg('only');
  const root = arg('dir') ?? mkdtempSync(join(tmpdir(), 'sf-scale-'));
  try {
    await measure(root, reps, only);
  } finally {
    if (!arg('dir')) rmSync(root, { recursive: true, force: true });
  }
}

/** The ONNX file and its external-data files, in bytes. */
const onnxBytes = (dir: string): number =>
  readdirSync(join(dir, 'onnx'))
    .filter((f) => f.startsWith('model.onnx'))
    .reduce((n, f) => n + statSync(join(dir, 'onnx', f)).size, 0);

async function measure(root: string, reps: number, only: string | undefined): Promise<void> {
  const baseline = probe('baseline').peakMb;
  const cliAlone = cliPeak(['--version']).peak / MB;
  const oneWord = join(root, 'one-word.txt');
  writeFileSync(oneWord, 'Hello');
  console.log(
    `scale: load, memory and speed of real-size models (medians of ${reps}; the bundled CLI alone peaks at ${cliAlone.toFixed(0)} MB, the tsx probe process at ${baseline.toFixed(0)} MB)`,
  );
  for (const m of MODELS.filter((x) => !only || x.name === only)) {
    const dir = await modelDir(root, m);
    const bytes = onnxBytes(dir);
    probe('load', dir); // warms the page cache
    const barePeak: number[] = [],
      bare: number[] = [],
      engine: number[] = [],
      withProgress: number[] = [];
    for (let i = 0; i < reps; i++) {
      const b = probe('bare-load', dir);
      bare.push(b.ms);
      barePeak.push(b.peakMb);
      engine.push(probe('load', dir).ms);
      withProgress.push(probe('load-progress', dir).ms);
    }
    const textFile = join(root, `${m.name}-512.txt`);
    probe('text', dir, textFile);
    const cliPeakMb = cliAnalyzePeak(dir, textFile);
    const cliLoadMb = cliAnalyzePeak(dir, oneWord);
    const unpackedPeakMb = cliAnalyzePeak(dir, textFile, ['--no-prepack']);
    const defaultChunkPeakMb = cliAnalyzePeak(dir, textFile, ['--chunk-size', String(DEFAULT_CHUNK_SIZE)]);
    const bareNode = bareInNode(dir);
    const rss = probe('rss', dir);
    const unpacked = probe('bare-unpacked', dir);
    const speed = probe('speed', dir, String(reps));
    const mb = bytes / 2 ** 20;
    console.log(`  ${m.name} (${mb.toFixed(0)} MB ONNX)`);
    console.log(
      `    load ${median(engine).toFixed(0)} ms vs bare session creation ${median(bare).toFixed(0)} ms   ratio ${(median(engine) / median(bare)).toFixed(2)}  (target ≤ 1.3)`,
    );
    console.log(
      `    load with progress ${median(withProgress).toFixed(0)} ms   ratio ${(median(withProgress) / median(bare)).toFixed(2)}`,
    );
    console.log(
      `    peak RSS, bundled CLI analyze of 512 tokens ${cliPeakMb.toFixed(0)} MB   ÷ ONNX bytes ${(cliPeakMb / mb).toFixed(2)}  (target ≤ 1.5; analysing one word ${cliLoadMb.toFixed(0)} MB; a bare session in plain Node ${bareNode.peakMb.toFixed(0)} MB)`,
    );
    console.log(
      `    peak RSS, the same with --no-prepack ${unpackedPeakMb.toFixed(0)} MB   ÷ ONNX bytes ${(unpackedPeakMb / mb).toFixed(2)}`,
    );
    console.log(
      `    peak RSS, the same in chunks of ${DEFAULT_CHUNK_SIZE} (the default) ${defaultChunkPeakMb.toFixed(0)} MB   ÷ ONNX bytes ${(defaultChunkPeakMb / mb).toFixed(2)}`,
    );
    console.log(
      `    peak RSS, the old way (tsx probe) ${rss.peakMb.toFixed(0)} MB (after load ${rss.afterLoadMb.toFixed(0)} MB)   ÷ ONNX bytes ${(rss.peakMb / mb).toFixed(2)}  (without the process's own ${baseline.toFixed(0)} MB: ${((rss.peakMb - baseline) / mb).toFixed(2)})`,
    );
    console.log(
      `    first analyze after load ${rss.firstAnalyzeMs.toFixed(0)} ms (a session's first run touches new memory)`,
    );
    console.log(
      `    after load: engine ${rss.afterLoadMb.toFixed(0)} MB, bare session ${median(barePeak).toFixed(0)} MB, the engine's session alone without ONNX Runtime's prepacking ${unpacked.peakMb.toFixed(0)} MB (${unpacked.ms.toFixed(0)} ms)`,
    );
    console.log(
      `    analyze ${speed.tokens} tokens ${speed.analyzeMs.toFixed(0)} ms vs bare forward ${speed.bareMs.toFixed(0)} ms   ratio ${(speed.analyzeMs / speed.bareMs).toFixed(2)}  (target ≤ 1.15)`,
    );
  }
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
