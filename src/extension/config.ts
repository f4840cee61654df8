/**
 * Settings read once per use, validated (a bad value is reported and replaced by its default, never
 * thrown), with the restricted keys honoured from the workspace only when it is trusted (trust.ts).
 * REDRAW_KEYS only repaint; ENGINE_KEYS change what the next request loads.
 */
import * as vscode from 'vscode';
import type { Dtype } from '../core/result';
import { builtinDefaultDtype } from '../engines/builtinModel';
import { LOCAL_DEVICES, type LocalDevice } from '../engines/onnx/deviceFallback';
import { DTYPES } from '../engines/onnx/modelFolder';
import { DECORATION_METRICS, type DecorationMetric } from './decorationModel';
import { trustedValue } from './trust';

export const SECTION = 'semanticFlow';
export const COLOR_SCALES = ['theme', 'colorblind', 'monochrome'] as const;
export type ColorScale = (typeof COLOR_SCALES)[number];

export interface Config {
  model: string;
  device: LocalDevice;
  dtype: Dtype;
  /** False when no settings layer sets semanticFlow.dtype: `dtype` is then the built-in model's default (defaultDtype). */
  dtypeChosen: boolean;
  topK: number;
  metric: DecorationMetric;
  colorScale: ColorScale;
  liveMode: boolean;
  maxInputBytes: number;
  remoteEndpoint: string;
  remoteModel: string;
  diMarker: string;
  generateMaxTokens: number;
}

export interface ConfigRead {
  config: Config;
  /** One line per invalid or ignored setting. */
  problems: string[];
}

export const REDRAW_KEYS = ['decoration.metric', 'decoration.colorScale'].map((k) => `${SECTION}.${k}`);
export const ENGINE_KEYS = ['model', 'device', 'dtype', 'remote.endpoint', 'remote.model'].map(
  (k) => `${SECTION}.${k}`,
);

/**
 * The dtype when the user chose none: the built-in model's (fp32 where its folder holds onnx/model.onnx,
 * q8 in the .vsix, which ships only onnx/model_quantized.onnx).
 */
export function defaultDtype(): Dtype {
  try {
    return builtinDefaultDtype();
  } catch {
    return 'fp32';
  }
}

/** True when a user, workspace or folder layer sets the key (the contributed default does not count). */
function isSet(cfg: vscode.WorkspaceConfiguration, key: string): boolean {
  const i = cfg.inspect(key);
  return (
    i !== undefined &&
    (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined)
  );
}

export function readConfig(): ConfigRead {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const trusted = vscode.workspace.isTrusted;
  const problems: string[] = [];
  const get = <T>(key: string, fallback: T): T => {
    const r = trustedValue<T>(key, cfg.inspect<T>(key), trusted);
    if (r.ignoredWorkspaceValue)
      problems.push(`${SECTION}.${key} from the workspace is ignored because the workspace is not trusted.`);
    return r.value ?? fallback;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = get<string>(key, fallback);
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`${SECTION}.${key} is "${v}"; it should be one of: ${allowed.join(', ')}. Using ${fallback}.`);
    return fallback;
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = get<number>(key, fallback);
    if (Number.isInteger(v) && v >= min && v <= max) return v;
    problems.push(
      `${SECTION}.${key} is ${JSON.stringify(v)}; it should be a whole number from ${min} to ${max}. Using ${fallback}.`,
    );
    return fallback;
  };
  const config: Config = {
    model: get<string>('model', 'builtin'),
    device: oneOf<LocalDevice>('device', LOCAL_DEVICES, 'auto'),
    dtype: isSet(cfg, 'dtype') ? oneOf<Dtype>('dtype', DTYPES, defaultDtype()) : defaultDtype(),
    dtypeChosen: isSet(cfg, 'dtype'),
    topK: int('topK', 5, 0, 50),
    metric: oneOf<DecorationMetric>('decoration.metric', DECORATION_METRICS, 'surprisal'),
    colorScale: oneOf<ColorScale>('decoration.colorScale', COLOR_SCALES, 'theme'),
    liveMode: get<boolean>('liveMode', false) === true,
    maxInputBytes: int('maxInputBytes', 262144, 1, 64 * 1024 * 1024),
    remoteEndpoint: get<string>('remote.endpoint', '').trim(),
    remoteModel: get<string>('remote.model', '').trim(),
    diMarker: get<string>('di.marker', '---'),
    generateMaxTokens: int('generate.maxTokens', 64, 1, 4096),
  };
  return { config, problems };
}
