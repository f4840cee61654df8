/**
 * Which model the user chose, and the engine config it becomes. The `semanticFlow.model` setting holds
 * "builtin", a folder path, a Hugging Face id (looked up in the local Hub cache) or "remote" (the
 * configured server). Pure: no vscode import.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { SemanticFlowError } from '../core/errors';
import type { Dtype } from '../core/result';
import type { LocalDevice } from '../engines/onnx/deviceFallback';
import { BUILTIN_MODEL_NAME } from '../engines/builtinModel';
import type { EngineConfig } from '../worker/protocol';

export type ModelChoice =
  | { kind: 'builtin' }
  | { kind: 'folder'; path: string }
  | { kind: 'hub'; id: string }
  | { kind: 'remote' };

export interface PathContext {
  /** First workspace folder, for relative paths. */
  workspaceRoot?: string;
  home: string;
  exists(path: string): boolean;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Parses a `semanticFlow.model` value. */
export function parseModelSetting(raw: string | undefined, ctx: PathContext): ModelChoice {
  const v = (raw ?? '').trim();
  if (v === '' || /^(builtin|built-in)$/i.test(v) || v === BUILTIN_MODEL_NAME) return { kind: 'builtin' };
  if (/^remote$/i.test(v)) return { kind: 'remote' };
  if (v === '~' || v.startsWith('~/') || v.startsWith('~\\')) return { kind: 'folder', path: join(ctx.home, v.slice(1)) };
  if (isAbsolute(v)) return { kind: 'folder', path: resolve(v) };
  const relative = ctx.workspaceRoot ? resolve(ctx.workspaceRoot, v) : undefined;
  if (HUB_ID.test(v) && !(relative && ctx.exists(relative))) return { kind: 'hub', id: v };
  return { kind: 'folder', path: relative ?? resolve(v) };
}

/** The setting value that selects `c` (what Select Model writes and the quick pick shows). */
export function settingValueOf(c: ModelChoice): string {
  switch (c.kind) {
    case 'builtin': return 'builtin';
    case 'remote': return 'remote';
    case 'folder': return c.path;
    case 'hub': return c.id;
  }
}

/** A short label for the status bar. */
export function choiceLabel(c: ModelChoice, remoteModel?: string): string {
  switch (c.kind) {
    case 'builtin': return BUILTIN_MODEL_NAME;
    case 'remote': return remoteModel ? `${remoteModel} (remote)` : 'remote';
    case 'folder': return c.path.split(/[\\/]/).filter(Boolean).pop() ?? c.path;
    case 'hub': return c.id;
  }
}

export interface EngineSettings {
  device: LocalDevice;
  dtype: Dtype;
  remoteEndpoint: string;
  remoteModel: string;
  apiKey?: string;
  /** Folders where downloaded models live (`<dir>/<owner>/<name>`). */
  modelsDirs?: string[];
}

/** The worker's engine config for a choice; a remote choice without an endpoint is a user error. */
export function engineConfigOf(c: ModelChoice, s: EngineSettings): EngineConfig {
  switch (c.kind) {
    case 'remote':
      if (!s.remoteEndpoint) {
        throw new SemanticFlowError('bad-argument', 'No server is configured: set semanticFlow.remote.endpoint, or run "Semantic Flow: Connect to Server".');
      }
      if (!s.remoteModel) {
        throw new SemanticFlowError('bad-argument', `No model is named for ${s.remoteEndpoint}: set semanticFlow.remote.model, or run "Semantic Flow: Connect to Server".`);
      }
      return { kind: 'remote', endpoint: s.remoteEndpoint, model: s.remoteModel, ...(s.apiKey ? { apiKey: s.apiKey } : {}) };
    case 'builtin':
      return { kind: 'onnx', id: BUILTIN_MODEL_NAME, modelDir: null, device: s.device, dtype: s.dtype };
    case 'folder':
      return { kind: 'onnx', id: choiceLabel(c), modelDir: c.path, device: s.device, dtype: s.dtype };
    case 'hub':
      return { kind: 'onnx', id: c.id, modelDir: null, hubId: c.id, ...(s.modelsDirs?.length ? { modelsDirs: s.modelsDirs } : {}), device: s.device, dtype: s.dtype };
  }
}
