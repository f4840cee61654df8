/**
 * Explicit device fallback. transformers.js treats every listed execution provider as required and
 * does not fall back by itself (transformers.js#1642), so each candidate is tried in turn, ending on
 * CPU, and the result records {requested, used, reason}. Cheap pre-checks give a precise reason
 * before a load is even attempted (runtime-notes.md §5).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SemanticFlowError } from '../../core/errors';
import type { Device } from '../../core/result';

export type LocalDevice = Exclude<Device, 'remote'>;
export type ConcreteDevice = Exclude<LocalDevice, 'auto'>;
export const LOCAL_DEVICES: LocalDevice[] = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

export interface Platform {
  platform: NodeJS.Platform;
  arch: string;
}

/** Devices to try, in order, for a requested device on a platform. Always ends with 'cpu'. */
export function deviceCandidates(requested: LocalDevice, p: Platform): ConcreteDevice[] {
  if (!LOCAL_DEVICES.includes(requested)) {
    throw new SemanticFlowError('bad-argument', `Unknown device "${requested}". Should be one of: ${LOCAL_DEVICES.join(', ')}.`);
  }
  if (requested !== 'auto') return requested === 'cpu' ? ['cpu'] : [requested, 'cpu'];
  if (p.platform === 'win32') return ['dml', 'webgpu', 'cpu'];
  if (p.platform === 'darwin') return ['coreml', 'webgpu', 'cpu'];
  if (p.platform === 'linux' && p.arch === 'x64') return ['cuda', 'webgpu', 'cpu'];
  return ['cpu'];
}

const VULKAN_PATHS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];

export interface PrecheckEnv extends Platform {
  /** Folder holding onnxruntime_binding.node and libonnxruntime.so (null when unknown). */
  ortBinDir: string | null;
  exists: (path: string) => boolean;
}

export function defaultPrecheckEnv(): PrecheckEnv {
  let ortBinDir: string | null = null;
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    ortBinDir = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    ortBinDir = null;
  }
  return { platform: process.platform, arch: process.arch, ortBinDir, exists: existsSync };
}

/** Why a device cannot work here, known without trying; null when it may work. */
export function precheckDevice(device: ConcreteDevice, env: PrecheckEnv): string | null {
  switch (device) {
    case 'cpu':
      return null;
    case 'cuda':
      if (env.platform !== 'linux' || env.arch !== 'x64') return 'CUDA is only available on Linux x64';
      if (env.ortBinDir && !env.exists(join(env.ortBinDir, 'libonnxruntime_providers_cuda.so'))) {
        return "ONNX Runtime's CUDA provider libraries are not installed (libonnxruntime_providers_cuda.so is missing)";
      }
      return null;
    case 'dml':
      return env.platform === 'win32' ? null : 'DirectML is only available on Windows';
    case 'coreml':
      return env.platform === 'darwin' ? null : 'Core ML is only available on macOS';
    case 'webgpu':
      if (env.platform === 'linux') {
        if (env.arch !== 'x64') return 'WebGPU is not available in ONNX Runtime on Linux ' + env.arch;
        if (!VULKAN_PATHS.some((p) => env.exists(p))) return 'no Vulkan loader (libvulkan.so.1) is installed';
      }
      return null;
  }
}

export interface FallbackOutcome<T> {
  value: T;
  requested: LocalDevice;
  used: ConcreteDevice;
  /** Why earlier candidates were skipped, one clause per device; null when the first worked. */
  reason: string | null;
}

/**
 * Tries `load` on each candidate device until one works. A `SemanticFlowError` that is not about the
 * device (missing or corrupt model) stops the chain at once: another device would fail the same way.
 */
export async function loadWithFallback<T>(
  requested: LocalDevice,
  load: (device: ConcreteDevice) => Promise<T>,
  env: PrecheckEnv = defaultPrecheckEnv(),
): Promise<FallbackOutcome<T>> {
  const reasons: string[] = [];
  for (const device of deviceCandidates(requested, env)) {
    const pre = precheckDevice(device, env);
    if (pre) {
      reasons.push(`${device}: ${pre}`);
      continue;
    }
    try {
      const value = await load(device);
      return { value, requested, used: device, reason: reasons.length ? reasons.join('; ') : null };
    } catch (e) {
      if (e instanceof SemanticFlowError || device === 'cpu') throw e;
      reasons.push(`${device}: ${firstLine(e)}`);
    }
  }
  throw new SemanticFlowError('internal', `No device could load the model (${reasons.join('; ')}).`);
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 300);
}
