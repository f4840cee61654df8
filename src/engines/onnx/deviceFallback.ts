/**
 * Explicit device fallback: each candidate device is tried in turn, ending on the CPU, and the result
 * records {requested, used, reason}; ONNX Runtime never falls back by itself. Cheap pre-checks give a
 * precise reason before a load is even attempted (runtime-notes.md §5), so `auto` on a machine without
 * a GPU chooses the CPU at once. `auto` also skips a WebGPU adapter that can only be a software renderer
 * (Mesa's lavapipe on a machine with no GPU device): it runs the GPU code path on the CPU, slower than
 * the CPU path itself; `--device webgpu` still uses it. Every reason is a whole sentence.
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
    throw new SemanticFlowError(
      'bad-argument',
      `Unknown device "${requested}". Should be one of: ${LOCAL_DEVICES.join(', ')}.`,
    );
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

/** How the devices are named in messages. */
export const DEVICE_NAME: Record<ConcreteDevice, string> = {
  cpu: 'the CPU',
  webgpu: 'WebGPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'Core ML',
};

/** Device files a GPU driver creates on Linux: without any, a Vulkan adapter is a software renderer. */
const GPU_DEVICE_FILES = ['/dev/dri', '/dev/nvidia0', '/dev/dxg'];

/**
 * Why a device cannot work here, known without trying; null when it may work. `requested` is what the
 * user asked for: only `auto` skips a software WebGPU adapter.
 */
export function precheckDevice(
  device: ConcreteDevice,
  env: PrecheckEnv,
  requested: LocalDevice = device,
): string | null {
  switch (device) {
    case 'cpu':
      return null;
    case 'cuda':
      if (env.platform !== 'linux' || env.arch !== 'x64') return 'CUDA is only available on Linux x64';
      if (requested === 'auto' && !env.exists('/dev/nvidia0')) return 'this machine has no NVIDIA GPU (/dev/nvidia0)';
      if (env.ortBinDir && !env.exists(join(env.ortBinDir, 'libonnxruntime_providers_cuda.so'))) {
        const installer = join(env.ortBinDir, '..', '..', '..', '..', 'script', 'install.js');
        return `ONNX Runtime's CUDA provider is not installed (libonnxruntime_providers_cuda.so is missing); to add it (needs CUDA 12 and the network), run node ${installer} --onnxruntime-node-install=cuda12`;
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
        if (requested === 'auto' && !GPU_DEVICE_FILES.some((p) => env.exists(p))) {
          return 'this machine has no GPU device (/dev/dri, /dev/nvidia0), so its WebGPU adapter could only be a software renderer such as lavapipe, slower than the CPU; ask for webgpu explicitly to use it anyway';
        }
      }
      return null;
  }
}

export interface FallbackOutcome<T> {
  value: T;
  requested: LocalDevice;
  used: ConcreteDevice;
  /** Why earlier candidates were skipped, one sentence per device; null when the first worked. */
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
    const pre = precheckDevice(device, env, requested);
    if (pre) {
      reasons.push(notUsed(device, pre));
      continue;
    }
    try {
      const value = await load(device);
      return { value, requested, used: device, reason: reasons.length ? reasons.join(' ') : null };
    } catch (e) {
      if (e instanceof SemanticFlowError || device === 'cpu') throw e;
      reasons.push(notUsed(device, deviceErrorSummary(e)));
    }
  }
  throw new SemanticFlowError('internal', `No device could load the model. ${reasons.join(' ')}`);
}

/** One sentence: why `device` was not used. */
export const notUsed = (device: ConcreteDevice, why: string): string =>
  `${DEVICE_NAME[device]} was not used: ${why.replace(/[.\s]+$/, '')}.`;

/**
 * The readable part of an ONNX Runtime error: its first line without the C++ source location and
 * assertion text ("…/webgpu_context.cc:136 …::<lambda()> … was false. Failed to get a WebGPU adapter: No
 * supported adapters" → "Failed to get a WebGPU adapter: No supported adapters"); at most the first two
 * sentences, never cut inside a word.
 */
export function deviceErrorSummary(e: unknown): string {
  let s = String(e instanceof Error ? e.message : e)
    .split('\n')[0]
    .trim();
  const assertion = s.lastIndexOf(' was false. ');
  if (assertion >= 0) s = s.slice(assertion + ' was false. '.length);
  s = s.replace(/^(\[[^\]]*\]\s*)*(\/?[\w./-]+\.(cc|cpp|h):\d+\s+)?/, '');
  const sentences = s.match(/[^.!?]+[.!?]+(\s|$)/g);
  if (sentences && sentences.length > 2) s = sentences.slice(0, 2).join('').trim();
  if (s.length > 400) s = `${s.slice(0, s.lastIndexOf(' ', 400))} …`;
  return s || 'it failed without a message';
}
