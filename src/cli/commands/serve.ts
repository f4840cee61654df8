/**
 * `semantic-flow serve`: the local ONNX engine as a vLLM-compatible server (`/v1/completions` with
 * prompt_logprobs or echo + logprobs, `/v1/models`, `/tokenize`), for the remote engine, batch jobs
 * and any vLLM client. Bound to 127.0.0.1 unless --host says otherwise; Ctrl+C stops it cleanly.
 */
import { intFlag, parseArgs } from '../args';
import type { CliCommand } from '../command';
import type { CliIo } from '../io';
import { SemanticFlowError } from '../../core/errors';
import { startServer } from '../../engines/remote/server';
import { loadModelFromFlags, modelFlags } from '../modelOptions';

export const SERVE_API_KEY_ENV = 'SEMANTIC_FLOW_SERVE_API_KEY';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the local model as a vLLM-compatible /v1/completions with prompt_logprobs',
  usage:
    'semantic-flow serve [--model DIR|ID] [--device D] [--dtype T] [--threads N] [--port N] [--host H] [--served-model-name NAME] ' +
    '[--max-logprobs N] [--concurrency N] [--quiet]\n\n' +
    'Defaults: 127.0.0.1:8000, at most 20 log-probs per token. Prints the URL on standard output. Set ' +
    `${SERVE_API_KEY_ENV} to require "Authorization: Bearer KEY". It scores prompts; it does not generate text.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, {
      ...modelFlags,
      port: { type: 'number' },
      host: { type: 'string' },
      'served-model-name': { type: 'string' },
      'max-logprobs': { type: 'number' },
      concurrency: { type: 'number' },
      quiet: { type: 'boolean' },
    }, 'serve');
    if (positionals.length > 0) throw new SemanticFlowError('bad-argument', `serve takes no positional arguments (got ${positionals[0]}); use --model DIR|ID.`);
    const host = (flags.host as string | undefined) ?? '127.0.0.1';
    const port = intFlag(flags, 'port', 8000, 0, 65535);
    const apiKey = io.env[SERVE_API_KEY_ENV] || undefined;
    const model = await loadModelFromFlags(flags, io);
    try {
      const server = await startServer({
        model,
        modelName: flags['served-model-name'] as string | undefined,
        host,
        port,
        maxLogprobs: intFlag(flags, 'max-logprobs', 20, 0, model.info.vocabSize),
        concurrency: intFlag(flags, 'concurrency', 2, 1, 64),
        apiKey,
        log: flags.quiet === true ? undefined : (line) => io.stderr.write(`semantic-flow serve: ${line}\n`),
      });
      if (!isLoopback(host) && !apiKey) io.stderr.write(`semantic-flow: serving on ${host} exposes the model to the network without a key; set ${SERVE_API_KEY_ENV}.\n`);
      io.stderr.write(`semantic-flow: serving ${model.info.id} at ${server.url} (POST /v1/completions with prompt_logprobs); Ctrl+C stops.\n`);
      io.stdout.write(`${server.url}\n`);
      await new Promise<void>((resolve) => {
        if (!io.signal) return;
        if (io.signal.aborted) return resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      io.stderr.write('semantic-flow: stopping: finishing requests in flight.\n');
      await server.close();
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
