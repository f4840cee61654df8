/**
 * A GPU that fails in the middle of an analysis (a driver fault, a lost device, a kernel that cannot run
 * this input): the pass throws a DeviceFailure, the model moves to the CPU (OnnxModel.moveToCpu) and
 * redoOnCpu runs the whole analysis again there, so the user still gets the result, and the model's
 * info says why it now runs on the CPU. The KV caches of the failed device are gone, so an analysis
 * cannot be continued, only redone.
 */
import { DEVICE_NAME, type ConcreteDevice } from './deviceFallback';

export class DeviceFailure extends Error {
  constructor(
    readonly device: ConcreteDevice,
    readonly reason: string,
    /** Moves the failed model to the CPU (idempotent). */
    readonly moveToCpu: () => Promise<void>,
  ) {
    super(`${DEVICE_NAME[device]} failed during an analysis: ${reason}`);
  }
}

/**
 * Runs `analysis`; when a model's GPU fails in it, moves that model to the CPU and runs it once more.
 * `beforeRedo` drops what the first attempt left that belongs to the old device (a live-mode prefix cache).
 */
export async function redoOnCpu<T>(analysis: () => Promise<T>, beforeRedo?: () => void): Promise<T> {
  try {
    return await analysis();
  } catch (e) {
    if (!(e instanceof DeviceFailure)) throw e;
    await e.moveToCpu();
    beforeRedo?.();
    return analysis();
  }
}
