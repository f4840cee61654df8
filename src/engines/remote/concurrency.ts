/**
 * Runs `fn` over items with at most `limit` in flight, results in input order. The first failure stops
 * new work and aborts the calls in flight (through the signal each call gets), then is rethrown.
 */
import { SemanticFlowError } from '../../core/errors';

export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { e: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      if (inner.signal.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
      const i = next++;
      try {
        out[i] = await fn(items[i], i, inner.signal);
      } catch (e) {
        failure ??= { e };
        inner.abort();
      }
    }
  };
  try {
    await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw (failure as { e: unknown }).e;
  if (signal?.aborted) throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
  return out;
}
