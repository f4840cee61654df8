/**
 * `semantic-flow serve`: the local ONNX engine as a vLLM-compatible server (`/v1/completions` with
 * prompt_logprobs, echo + logprobs, generation and streaming; `/v1/models`, `/tokenize`), for the remote
 * engine, batch jobs and any vLLM or OpenAI client. Bound to 127.0.0.1 unless --host says otherwise; Ctrl+C stops it cleanly.
 */
import { flagSpecs, outOfRange, parseArgs } from '../args';
import type { CliCommand } from '../command';
import type { CliIo } from '../io';
import { SemanticFlowError } from '../../core/errors';
import { startServer } from '../../engines/remote/server';
import { modelArgFromFlags, modelFlags, sessionTuning } from '../modelOptions';
import { engineEntry, spawnEngineProcess } from '../../worker/childProcess';
import { WorkerClient } from '../../worker/client';
import { processServeEngine } from '../../worker/serveClient';
import { basename, resolve as resolvePath } from 'node:path';

export const SERVE_API_KEY_ENV = 'SEMANTIC_FLOW_SERVE_API_KEY';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

const FLAGS = flagSpecs({
  ...modelFlags,
  port: { type: 'int', value: 'N', min: 0, max: 65_535, default: 8000, help: 'TCP port (0: any free port)' },
  host: {
    type: 'string',
    value: 'H',
    default: '127.0.0.1',
    help: 'address to listen on; anything but loopback exposes the model to the network',
  },
  'served-model-name': {
    type: 'string',
    value: 'NAME',
    help: 'the model name clients send and /v1/models lists (default: the model id)',
  },
  'max-logprobs': {
    type: 'int',
    value: 'N',
    min: 0,
    range: "0 to the model's vocabulary size",
    default: 20,
    help: 'most log-probabilities a request may ask for per token',
  },
  concurrency: {
    type: 'int',
    value: 'N',
    min: 1,
    max: 64,
    default: 2,
    help: 'requests run on the model at once; more wait in a queue',
  },
  quiet: { type: 'boolean', help: 'no request log on standard error' },
});

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the local model as a vLLM-compatible /v1/completions: prompt log-probs, generation, streaming',
  args: '',
  flags: FLAGS,
  notes: `Prints the URL on standard output. Set ${SERVE_API_KEY_ENV} to require "Authorization: Bearer KEY". Requests score prompts (prompt_logprobs, echo + logprobs) and generate as vLLM does: max_tokens (default 16), greedy at temperature 0, else sampled with temperature, top_p, top_k and seed (reproducible), stop strings and stop_token_ids, logprobs of the generated tokens, stream: true for server-sent events.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'serve');
    if (positionals.length > 0)
      throw new SemanticFlowError(
        'bad-argument',
        `serve takes no positional arguments (got ${positionals[0]}); use --model DIR|ID.`,
      );
    const { host, port } = flags;
    const apiKey = io.env[SERVE_API_KEY_ENV] || undefined;
    const { dir, dtype, id } = modelArgFromFlags(flags, io);
    // The model runs in the engine's child process, so requests never wait behind model work to be answered.
    const client = new WorkerClient({
      spawn: () => {
        const { entry, options } = engineEntry();
        return spawnEngineProcess(entry, {
          ...options,
          onStderr: (line) => io.stderr.write(`semantic-flow serve: [engine] ${line}\n`),
        });
      },
    });
    try {
      const modelDir = resolvePath(dir);
      const engine = await processServeEngine(
        client,
        {
          kind: 'onnx',
          id: id ?? basename(modelDir),
          modelDir,
          device: flags.device ?? 'auto',
          dtype,
          ...sessionTuning(flags),
        },
        flags.concurrency,
      );
      const { info } = engine;
      if (info.fallbackReason && info.requestedDevice !== 'auto')
        io.stderr.write(`semantic-flow: using ${info.device} (${info.fallbackReason})\n`);
      const maxLogprobs = flags['max-logprobs'];
      if (maxLogprobs > info.vocabSize)
        throw outOfRange('max-logprobs', maxLogprobs, 0, info.vocabSize, ` (the vocabulary size of ${info.id})`);
      const server = await startServer({
        engine,
        modelName: flags['served-model-name'],
        host,
        port,
        maxLogprobs,
        apiKey,
        log: flags.quiet === true ? undefined : (line) => io.stderr.write(`semantic-flow serve: ${line}\n`),
      });
      if (!isLoopback(host) && !apiKey)
        io.stderr.write(
          `semantic-flow: serving on ${host} exposes the model to the network without a key; set ${SERVE_API_KEY_ENV}.\n`,
        );
      io.stderr.write(
        `semantic-flow: serving ${info.id} at ${server.url} (vLLM's POST /v1/completions); Ctrl+C stops.\n`,
      );
      io.stdout.write(`${server.url}\n`);
      await new Promise<void>((resolve) => {
        if (!io.signal) return;
        if (io.signal.aborted) return resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      io.stderr.write('semantic-flow: stopping: finishing requests in flight.\n');
      await server.close();
    } finally {
      await client.dispose();
    }
    return 0;
  },
};
