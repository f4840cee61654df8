/**
 * One PrefixCache per document (by URI) for live mode, the least recently used dropped beyond a few,
 * so a held KV cache never outlives the handful of documents being edited.
 */
import { PrefixCache } from '../core/prefixReuse';

export const MAX_PREFIX_CACHES = 4;

export class PrefixCaches {
  private readonly byUri = new Map<string, PrefixCache>();

  constructor(private readonly max = MAX_PREFIX_CACHES) {}

  for(uri: string): PrefixCache {
    let c = this.byUri.get(uri);
    if (c) this.byUri.delete(uri);
    else c = new PrefixCache();
    this.byUri.set(uri, c); // most recent last
    while (this.byUri.size > this.max) {
      const [oldest, cache] = this.byUri.entries().next().value as [string, PrefixCache];
      cache.dispose();
      this.byUri.delete(oldest);
    }
    return c;
  }

  get size(): number {
    return this.byUri.size;
  }

  clear(): void {
    for (const c of this.byUri.values()) c.dispose();
    this.byUri.clear();
  }
}
