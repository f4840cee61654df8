/**
 * Child process for test/integration/hardeningMemory.test.ts: loads a model once, runs N analyses of
 * the same text, and prints heap and RSS (after forced GC when --expose-gc is given) after `warm` and
 * after all runs, as one JSON line. Usage: node --expose-gc --import tsx memoryLoop.ts MODEL_DIR N WARM
 */
import { OnnxModel } from '../../src/engines/onnx/onnxModel';

async function main(): Promise<void> {
  const [dir, nArg, warmArg] = process.argv.slice(2);
  const n = Number(nArg),
    warm = Number(warmArg);
  const gc = (globalThis as { gc?: () => void }).gc;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((r) => setImmediate(r));
    }
    const m = process.memoryUsage();
    return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers };
  };
  const model = await OnnxModel.load({ modelDir: dir, threads: 1 });
  const text = 'The quick brown fox jumps over the lazy dog; then it naps in the sun.\n'.repeat(12);
  let tokens = 0;
  let afterWarm = await settle();
  for (let i = 1; i <= n; i++) {
    const r = await model.analyze(text, { topK: 5, chunkSize: 32, units: true });
    tokens = r.tokens.length;
    if (i === warm) afterWarm = await settle();
  }
  const end = await settle();
  await model.dispose();
  process.stdout.write(`${JSON.stringify({ gc: typeof gc === 'function', tokens, afterWarm, end })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
