/** Flags for the remote engine, and choosing the engine (`--engine onnx|remote`) for commands that can use either. */
import { flagSpecs, type Flags } from './args';
import type { CliIo } from './io';
import { SemanticFlowError } from '../core/errors';
import type { LanguageModel } from '../engines/languageModel';
import { createModel } from '../engines/createModel';
import type { RemoteEngineConfig } from '../engines/engineConfig';
import { REMOTE_FLAVORS } from '../engines/remote/types';
import { loadModelFromFlags, modelFlags } from './modelOptions';
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from '../engines/remote/http';

export const ENGINES = ['onnx', 'remote'] as const;
export type EngineChoice = (typeof ENGINES)[number];

export const API_KEY_ENV = 'SEMANTIC_FLOW_API_KEY';

export const remoteFlags = flagSpecs({
  endpoint: {
    type: 'string',
    value: 'URL',
    help:
      'base URL of a vLLM-compatible server (default: $SEMANTIC_FLOW_ENDPOINT); implies --engine remote. The key, if any, comes from $' +
      API_KEY_ENV,
  },
  'remote-model': {
    type: 'string',
    value: 'NAME',
    help: "the served model's name (default: the first one the server lists)",
  },
  flavor: {
    type: 'string',
    choices: REMOTE_FLAVORS,
    help: 'the server API to speak (default: detected by a probe at connect)',
  },
  'vocab-size': {
    type: 'int',
    value: 'V',
    min: 1,
    max: 10_000_000,
    help: "the model's vocabulary size (config.json vocab_size), for the upper entropy bound; vLLM does not report it",
  },
  timeout: {
    type: 'int',
    value: 'S',
    min: 1,
    max: 86_400,
    default: DEFAULT_TIMEOUT_MS / 1000,
    help: 'seconds to wait for one answer',
  },
  retries: {
    type: 'int',
    value: 'N',
    min: 0,
    max: 20,
    default: DEFAULT_RETRIES,
    help: 'retries after a timeout, a dropped connection, 429 or 5xx',
  },
  'strict-top-k': {
    type: 'boolean',
    help: 'fail when the server allows fewer alternatives than --top-k (default: lower --top-k, with a notice)',
  },
});

export const engineFlags = flagSpecs({
  engine: {
    type: 'string',
    choices: ENGINES,
    help: 'the local ONNX engine or a remote server (default: remote when --endpoint is given, else onnx)',
  },
  ...modelFlags,
  ...remoteFlags,
});
export type EngineFlags = Flags<typeof engineFlags>;

export function engineOf(flags: EngineFlags): EngineChoice {
  return flags.engine ?? (flags.endpoint !== undefined ? 'remote' : 'onnx');
}

/** The server config the flags name: --endpoint (or SEMANTIC_FLOW_ENDPOINT); the API key comes from SEMANTIC_FLOW_API_KEY only. */
export function remoteConfigFromFlags(flags: EngineFlags, io: CliIo, o: { topK: number }): RemoteEngineConfig {
  const endpoint = flags.endpoint ?? io.env.SEMANTIC_FLOW_ENDPOINT;
  if (!endpoint)
    throw new SemanticFlowError(
      'bad-argument',
      '--engine remote needs --endpoint URL (e.g. http://127.0.0.1:8000 for `vllm serve` or `semantic-flow serve`).',
    );
  return {
    kind: 'remote',
    endpoint,
    model: flags['remote-model'] ?? '',
    flavor: flags.flavor,
    vocabSize: flags['vocab-size'],
    topK: o.topK,
    topKPolicy: flags['strict-top-k'] === true ? 'error' : 'clamp',
    timeoutMs: flags.timeout * 1000,
    retries: flags.retries,
    apiKey: io.env[API_KEY_ENV] || undefined,
  };
}

/** The local engine or a remote server, by --engine, through the one engine factory. */
export async function loadLanguageModelFromFlags(
  flags: EngineFlags,
  io: CliIo,
  o: { topK: number },
): Promise<LanguageModel> {
  if (engineOf(flags) === 'onnx') return loadModelFromFlags(flags, io);
  return createModel(remoteConfigFromFlags(flags, io, o), {
    notice: (m) => io.stderr.write(`${io.stderr.isTTY ? '\r\x1b[K' : ''}semantic-flow: ${m}\n`),
    signal: io.signal,
  });
}
