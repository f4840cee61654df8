/** Flags for the remote engine, and choosing the engine (`--engine onnx|remote`) for commands that can use either. */
import type { FlagSpecs, ParsedFlags } from './args';
import { intFlag } from './args';
import type { CliIo } from './io';
import { SemanticFlowError } from '../core/errors';
import type { LanguageModel } from '../engines/languageModel';
import { RemoteModel } from '../engines/remote/remoteModel';
import { REMOTE_FLAVORS, type RemoteFlavor } from '../engines/remote/types';
import { loadModelFromFlags, modelFlags } from './modelOptions';

export const ENGINES = ['onnx', 'remote'] as const;
export type EngineChoice = (typeof ENGINES)[number];

export const remoteFlags: FlagSpecs = {
  endpoint: { type: 'string' },
  'remote-model': { type: 'string' },
  flavor: { type: 'string', choices: REMOTE_FLAVORS },
  'vocab-size': { type: 'number' },
  timeout: { type: 'number' },
  retries: { type: 'number' },
  'strict-top-k': { type: 'boolean' },
};

export const engineFlags: FlagSpecs = { engine: { type: 'string', choices: ENGINES }, ...modelFlags, ...remoteFlags };

export const API_KEY_ENV = 'SEMANTIC_FLOW_API_KEY';

export function engineOf(flags: ParsedFlags): EngineChoice {
  return (flags.engine as EngineChoice | undefined) ?? (flags.endpoint !== undefined ? 'remote' : 'onnx');
}

/** Connects to --endpoint (or SEMANTIC_FLOW_ENDPOINT); the API key comes from SEMANTIC_FLOW_API_KEY only. */
export async function connectRemoteFromFlags(flags: ParsedFlags, io: CliIo, o: { topK: number }): Promise<RemoteModel> {
  const endpoint = (flags.endpoint as string | undefined) ?? io.env.SEMANTIC_FLOW_ENDPOINT;
  if (!endpoint) throw new SemanticFlowError('bad-argument', '--engine remote needs --endpoint URL (e.g. http://127.0.0.1:8000 for `vllm serve` or `semantic-flow serve`).');
  return RemoteModel.connect({
    endpoint,
    model: flags['remote-model'] as string | undefined,
    flavor: flags.flavor as RemoteFlavor | undefined,
    vocabSize: flags['vocab-size'] === undefined ? undefined : intFlag(flags, 'vocab-size', 0, 1),
    topK: o.topK,
    topKPolicy: flags['strict-top-k'] === true ? 'error' : 'clamp',
    timeoutMs: intFlag(flags, 'timeout', 120, 1, 86400) * 1000,
    retries: intFlag(flags, 'retries', 3, 0, 20),
    apiKey: io.env[API_KEY_ENV] || undefined,
    onNotice: (m) => io.stderr.write(`${io.stderr.isTTY ? '\r\x1b[K' : ''}semantic-flow: ${m}\n`),
    signal: io.signal,
  });
}

/** The local engine or a remote server, by --engine. */
export async function loadLanguageModelFromFlags(flags: ParsedFlags, io: CliIo, o: { topK: number }): Promise<LanguageModel> {
  return engineOf(flags) === 'remote' ? connectRemoteFromFlags(flags, io, o) : loadModelFromFlags(flags, io);
}
