// Types of klKernel.mjs for the test that rebuilds the kernel.
export const UNROLL: number;
export const KL_KERNEL_MODULE_PATH: string;
export function klKernelWat(o?: { relaxed?: boolean }): string;
export function klKernelBytes(o?: { relaxed?: boolean }): Promise<Uint8Array>;
export function klKernelModule(bytes: Uint8Array, relaxedBytes: Uint8Array): string;
