/**
 * The part of the WebAssembly global that klKernel.ts uses. Node has it, but @types/node 20 leaves it to
 * lib.dom, which the Node config does not load; the webview config gets the full one from lib.dom.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
