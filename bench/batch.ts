/**
 * Batch throughput against `serve` (in-process on 127.0.0.1) at concurrency 1 and 8, measured in one
 * run on the same texts, with the ratio. Run: node --import tsx bench/batch.ts [--model DIR] [--texts N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { builtinModelDir } from '../src/engines/builtinModel';
import { startServer } from '../src/engines/remote/server';
import { run } from '../src/cli/run';
import type { CliIo } from '../src/cli/io';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

const SENTENCES = [
  'The committee postponed its decision until the budget figures were confirmed by the auditors.',
  'def mean(xs):\n    return sum(xs) / len(xs) if xs else 0.0\n',
  'A quiet morning in the harbour: gulls, ropes creaking, and the smell of diesel and salt.',
  'Les enfants jouaient dans le jardin pendant que la pluie tombait doucement.',
  'To be, or not to be, that is the question: whether tis nobler in the mind to suffer.',
  'SELECT name, count(*) FROM orders GROUP BY name HAVING count(*) > 3 ORDER BY 2 DESC;',
];

async function main(): Promise<void> {
  const modelDir = arg('model', builtinModelDir());
  const n = Number(arg('texts', '48'));
  const model = await OnnxModel.load({ modelDir });
  const server = await startServer({ model, port: 0, concurrency: 8 });
  const tmp = mkdtempSync(join(tmpdir(), 'sf-bench-batch-'));
  const input = join(tmp, 'in.jsonl');
  writeFileSync(
    input,
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ id: i, text: `${i}. ${SENTENCES[i % SENTENCES.length]}` }),
    ).join('\n') + '\n',
  );
  const io: CliIo = {
    stdout: { write: () => true },
    stderr: { write: () => true },
    readStdin: async () => new Uint8Array(),
    env: {},
  };
  const once = async (concurrency: number, tag: string) => {
    const out = join(tmp, `${tag}.jsonl`);
    const t0 = process.hrtime.bigint();
    const code = await run(
      ['batch', input, '--out', out, '--endpoint', server.url, '--concurrency', String(concurrency)],
      io,
    );
    if (code !== 0) throw new Error(`batch exited ${code}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  try {
    await once(4, 'warmup');
    const rows: { c: number; s: number }[] = [];
    for (const c of [1, 8]) rows.push({ c, s: await once(c, `c${c}`) });
    const tokens = (await model.analyze(SENTENCES.join(' '))).tokens.length; // rough size reference
    console.log(
      `batch against serve: ${n} texts (~${Math.round(tokens / SENTENCES.length)} tokens each), model ${model.info.id}, ${availableParallelism()} CPUs`,
    );
    for (const r of rows)
      console.log(`  concurrency ${String(r.c).padStart(2)}: ${r.s.toFixed(2)} s, ${(n / r.s).toFixed(1)} texts/s`);
    console.log(`  ratio (8 vs 1): ${(rows[0].s / rows[1].s).toFixed(2)}x`);
  } finally {
    await server.close();
    await model.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
