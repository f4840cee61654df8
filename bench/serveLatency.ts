/**
 * How long `GET /v1/models` takes on `serve` while one long request runs (a 460-token prompt with 20
 * prompt log-probs, then 200 generated tokens), with the engine in this process (startServer({model}))
 * and in the engine's child process (what `semantic-flow serve` runs), measured in one run; medians,
 * maxima and the ratio. Run: node --import tsx bench/serveLatency.ts [--model DIR]
 */
import { join } from 'node:path';
import type { Dtype } from '../src/core/result';
import { builtinModelDir, packageRoot } from '../src/engines/builtinModel';
import { OnnxModel } from '../src/engines/onnx/onnxModel';
import { startServer, type RunningServer } from '../src/engines/remote/server';
import { spawnEngineProcess } from '../src/worker/childProcess';
import { WorkerClient } from '../src/worker/client';
import { processServeEngine } from '../src/worker/serveClient';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

const PROMPT = 'The quick brown fox jumps over the lazy dog near the river bank today. '.repeat(33);
const LONG = {
  prompt: PROMPT.slice(0, PROMPT.length / 2),
  prompt_logprobs: 20,
  max_tokens: 200,
  temperature: 0,
  ignore_eos: true,
};

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Latencies of GET /v1/models while a long completion runs (idle ones first, for reference). */
async function probe(server: RunningServer): Promise<{ idle: number[]; busy: number[]; requestS: number }> {
  const once = async () => {
    const t = performance.now();
    await (await fetch(`${server.url}/v1/models`)).text();
    return performance.now() - t;
  };
  for (let i = 0; i < 5; i++) await once();
  const idle: number[] = [];
  for (let i = 0; i < 30; i++) idle.push(await once());
  const t0 = performance.now();
  let done = false;
  const long = fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify(LONG) }).then(async (r) => {
    if (r.status !== 200) throw new Error(await r.text());
    await r.text();
    done = true;
  });
  const busy: number[] = [];
  // One probe every 20 ms, so the probing does not take the CPU from the model.
  while (!done) {
    busy.push(await once());
    await new Promise((r) => setTimeout(r, 20));
  }
  await long;
  return { idle, busy, requestS: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const modelDir = arg('model', builtinModelDir());
  const model = await OnnxModel.load({ modelDir });
  const inProcess = await startServer({ model, port: 0 });
  const client = new WorkerClient({
    spawn: () => spawnEngineProcess(join(packageRoot(), 'src/worker/main.ts'), { execArgv: ['--import', 'tsx'] }),
  });
  const engine = await processServeEngine(
    client,
    { kind: 'onnx', id: model.info.id, modelDir, device: 'cpu', dtype: model.info.dtype as Dtype },
    2,
  );
  const child = await startServer({ engine, port: 0 });
  try {
    await probe(inProcess); // warm both engines
    await probe(child);
    const rows = [
      ['in this process', await probe(inProcess)],
      ['engine process', await probe(child)],
    ] as const;
    console.log(
      `GET /v1/models during one long completion (${model.info.id}; ${LONG.max_tokens} tokens after a ${LONG.prompt.length}-character prompt with prompt_logprobs ${LONG.prompt_logprobs})`,
    );
    for (const [name, r] of rows) {
      console.log(
        `  ${name.padEnd(16)} idle median ${quantile(r.idle, 0.5).toFixed(1)} ms; busy median ${quantile(r.busy, 0.5).toFixed(1)} ms, p90 ${quantile(r.busy, 0.9).toFixed(1)} ms, max ${Math.max(...r.busy).toFixed(1)} ms over ${r.busy.length} probes; the request took ${r.requestS.toFixed(2)} s`,
      );
    }
    const [a, b] = [rows[0][1], rows[1][1]];
    console.log(
      `  ratio in-process / engine process: median ${(quantile(a.busy, 0.5) / quantile(b.busy, 0.5)).toFixed(1)}x, max ${(Math.max(...a.busy) / Math.max(...b.busy)).toFixed(1)}x`,
    );
  } finally {
    await child.close();
    await inProcess.close();
    await engine.dispose();
    await model.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
