/** Machine-readable error codes shared by core, engines, worker, CLI and extension. */
export type ErrorCode =
  | 'cancelled'
  | 'bad-input'
  | 'bad-argument'
  | 'model-not-found'
  | 'model-corrupt'
  | 'unsupported-model'
  | 'tokenizer-mismatch'
  | 'too-large'
  | 'out-of-memory'
  | 'server-unreachable'
  | 'server-error'
  | 'server-limitation'
  | 'protocol-mismatch'
  | 'internal';

/** An error meant for the user: what failed, for which input, why, and what to do. */
export class SemanticFlowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SemanticFlowError';
    this.code = code;
  }
}

export function isSemanticFlowError(e: unknown): e is SemanticFlowError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && e.name === 'SemanticFlowError';
}

/** Throws a `cancelled` error when the signal has fired. Called between chunks of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
}
