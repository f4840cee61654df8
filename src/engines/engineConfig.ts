/**
 * Which model to run and where, as plain data: what the extension's settings and the CLI's flags both come
 * down to, and what crosses the worker protocol. createModel.ts turns it into a LanguageModel.
 */
import type { Dtype } from '../core/result';
import type { LocalDevice } from './onnx/deviceFallback';
import type { RemoteFlavor } from './remote/types';

/**
 * A local ONNX model. `modelDir: null` is the built-in model; a `hubId` is looked up in `modelsDirs`
 * (`<dir>/<owner>/<name>`, where downloads go), then in the local Hugging Face cache.
 */
export interface OnnxEngineConfig {
  kind: 'onnx';
  /** Display id for results (default: the folder name). */
  id?: string;
  modelDir: string | null;
  hubId?: string;
  modelsDirs?: string[];
  device: LocalDevice;
  dtype: Dtype;
  threads?: number;
  /** ONNX Runtime's prepacked weights (default true; false: about the file's bytes in memory, slower). */
  prepack?: boolean;
}

/** A vLLM-compatible server. Unset fields take the remote engine's defaults (remoteModel.ts). */
export interface RemoteEngineConfig {
  kind: 'remote';
  endpoint: string;
  /** The served model's name; '' for the first one the server lists. */
  model: string;
  apiKey?: string;
  flavor?: RemoteFlavor;
  vocabSize?: number;
  /** Top-k the connection probe asks for. */
  topK?: number;
  topKPolicy?: 'clamp' | 'error';
  timeoutMs?: number;
  retries?: number;
}

export type EngineConfig = OnnxEngineConfig | RemoteEngineConfig;
