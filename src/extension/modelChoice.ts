/**
 * Which model the user chose, and the engine config it becomes. The `semanticFlow.model` setting holds
 * "builtin", a folder path, a Hugging Face id (looked up in the downloaded models, then the local Hub
 * cache) or "remote" (the configured server). Also the catalog rows of Select Model and the dtype a
 * catalog model downloads and loads with. Pure: no vscode import (file probes are passed in).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { SemanticFlowError } from '../core/errors';
import type { Dtype } from '../core/result';
import type { LocalDevice } from '../engines/onnx/deviceFallback';
import { BUILTIN_MODEL_NAME } from '../engines/builtinModel';
import type { EngineConfig } from '../worker/protocol';
import { defaultDownloadDtype, memoryEstimate, type CatalogEntry } from '../engines/catalog/catalog';
import { formatBytes } from '../core/units';

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
  if (v === '~' || v.startsWith('~/') || v.startsWith('~\\'))
    return { kind: 'folder', path: join(ctx.home, v.slice(1)) };
  if (isAbsolute(v)) return { kind: 'folder', path: resolve(v) };
  const relative = ctx.workspaceRoot ? resolve(ctx.workspaceRoot, v) : undefined;
  if (HUB_ID.test(v) && !(relative && ctx.exists(relative))) return { kind: 'hub', id: v };
  return { kind: 'folder', path: relative ?? resolve(v) };
}

/** The setting value that selects `c` (what Select Model writes and the quick pick shows). */
export function settingValueOf(c: ModelChoice): string {
  switch (c.kind) {
    case 'builtin':
      return 'builtin';
    case 'remote':
      return 'remote';
    case 'folder':
      return c.path;
    case 'hub':
      return c.id;
  }
}

/** A short label for the status bar. */
export function choiceLabel(c: ModelChoice, remoteModel?: string): string {
  switch (c.kind) {
    case 'builtin':
      return BUILTIN_MODEL_NAME;
    case 'remote':
      return remoteModel ? `${remoteModel} (remote)` : 'remote';
    case 'folder':
      return c.path.split(/[\\/]/).filter(Boolean).pop() ?? c.path;
    case 'hub':
      return c.id;
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
        throw new SemanticFlowError(
          'bad-argument',
          'No server is configured: set semanticFlow.remote.endpoint, or run "Semantic Flow: Connect to Server".',
        );
      }
      if (!s.remoteModel) {
        throw new SemanticFlowError(
          'bad-argument',
          `No model is named for ${s.remoteEndpoint}: set semanticFlow.remote.model, or run "Semantic Flow: Connect to Server".`,
        );
      }
      return {
        kind: 'remote',
        endpoint: s.remoteEndpoint,
        model: s.remoteModel,
        ...(s.apiKey ? { apiKey: s.apiKey } : {}),
      };
    case 'builtin':
      return { kind: 'onnx', id: BUILTIN_MODEL_NAME, modelDir: null, device: s.device, dtype: s.dtype };
    case 'folder':
      return { kind: 'onnx', id: choiceLabel(c), modelDir: c.path, device: s.device, dtype: s.dtype };
    case 'hub':
      return {
        kind: 'onnx',
        id: c.id,
        modelDir: null,
        hubId: c.id,
        ...(s.modelsDirs?.length ? { modelsDirs: s.modelsDirs } : {}),
        device: s.device,
        dtype: s.dtype,
      };
  }
}

/**
 * The dtype a download of `entry` fetches: semanticFlow.dtype when the user set it (null when the
 * catalog has no such export), else the catalog's default (q8, else q4, fp16, fp32: defaultDownloadDtype).
 */
export function downloadDtypeFor(entry: CatalogEntry, dtype: Dtype, dtypeChosen: boolean): Dtype | null {
  if (dtypeChosen) return entry.dtypes[dtype] ? dtype : null;
  return Object.keys(entry.dtypes).length ? defaultDownloadDtype(entry) : null;
}

/**
 * The dtype to load a downloaded Hub model with: semanticFlow.dtype when the user set it or when it
 * is on disk; otherwise one that is on disk (q8 first), so a q8 download loads without a setting.
 */
export function hubLoadDtype(onDisk: readonly Dtype[], dtype: Dtype, dtypeChosen: boolean): Dtype {
  if (dtypeChosen || onDisk.length === 0 || onDisk.includes(dtype)) return dtype;
  return onDisk.includes('q8') ? 'q8' : onDisk[0];
}

/** What the models folder holds of a catalog model, for the dtype it would load with. */
export type CatalogLocal =
  | { state: 'downloaded'; dtype: Dtype; where?: 'hub-cache' }
  | { state: 'partial'; bytes: number }
  | { state: 'absent' };

export interface CatalogRow {
  label: string;
  description: string;
  detail: string;
}

/** 82e6 → "82M", 1.2e9 → "1.2B". */
export function formatParameters(n: number): string {
  if (n >= 1e9) return `${Number((n / 1e9).toPrecision(2))}B`;
  if (n >= 1e6) return `${Math.round(n / 1e6)}M`;
  return `${Math.round(n / 1e3)}k`;
}

/**
 * One catalog model in the Select Model quick pick: its name (a download icon until it is on disk),
 * its Hub id with "downloaded" or the download size, and parameters, licence and context in the detail.
 * `dtype` is what a download would fetch (null: the configured dtype has no export; `wanted` names it).
 */
export function catalogRow(
  entry: CatalogEntry,
  local: CatalogLocal,
  o: { dtype: Dtype | null; wanted: Dtype; current: boolean },
): CatalogRow {
  const icon = local.state === 'downloaded' ? '$(database)' : '$(cloud-download)';
  const size = (d: Dtype) => {
    const bytes = entry.dtypes[d]?.approxBytes ?? 0;
    return bytes > 0 ? `about ${formatBytes(bytes)}, ${d}` : d;
  };
  let status: string;
  if (local.state === 'downloaded')
    status = local.where === 'hub-cache' ? `in the Hugging Face cache (${local.dtype})` : `downloaded (${local.dtype})`;
  else if (o.dtype === null)
    status = `no ${o.wanted} export: change semanticFlow.dtype (${Object.keys(entry.dtypes).join(', ')})`;
  else if (local.state === 'partial')
    status = `partly downloaded (${formatBytes(local.bytes)}), resumes: ${size(o.dtype)}`;
  else status = `download ${size(o.dtype)}`;
  const memory = o.dtype ? memoryEstimate(entry, o.dtype) : null;
  const facts = [
    entry.parameters !== null ? `${formatParameters(entry.parameters)} parameters` : null,
    memory !== null ? `needs about ${formatBytes(memory)} of memory` : null,
    entry.licence ? `${entry.licence} licence${entry.licenceNote ? ' (its terms must be accepted)' : ''}` : null,
    entry.contextWindow ? `${entry.contextWindow.toLocaleString('en-US')}-token context` : null,
    entry.chatTemplate ? 'instruction-tuned (chat template)' : null,
  ].filter((f): f is string => f !== null);
  return {
    label: `${icon} ${entry.label}${o.current ? ' $(check)' : ''}`,
    description: `${entry.id} · ${status}`,
    detail: facts.join(' · '),
  };
}
