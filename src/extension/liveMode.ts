/**
 * Live mode: after an edit (which has already shifted the stored result), re-score the analysed region
 * of that document once typing pauses. A newer edit cancels the pending timer and aborts the request
 * in flight (Error Lens NewDelay). The engine keeps the KV cache of the document's last analysis
 * (src/core/prefixReuse.ts), so only the tokens from the first changed one onwards are fed again.
 */
import type * as vscode from 'vscode';
import type { ResultStore } from './resultStore';

export const LIVE_DELAY_MS = 400;

export type LiveRescore = (
  doc: vscode.TextDocument,
  region: { offset: number; length: number },
  signal: AbortSignal,
) => Promise<void>;

export class LiveMode implements vscode.Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, AbortController>();

  constructor(
    private readonly store: ResultStore,
    private readonly enabled: () => boolean,
    private readonly rescore: LiveRescore,
  ) {}

  /** Called after each edit of a document. */
  onEdited(doc: vscode.TextDocument): void {
    const uri = doc.uri.toString();
    this.cancel(uri);
    if (!this.enabled()) return;
    const stored = this.store.get(uri);
    if (!stored || (stored.kind !== undefined && stored.kind !== 'analyze')) return;
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        const now = this.store.get(uri);
        if (!now || now.documentVersion !== doc.version) return;
        const ac = new AbortController();
        this.inFlight.set(uri, ac);
        void this.rescore(doc, { offset: now.offset, length: now.result.text.length }, ac.signal).finally(() => {
          if (this.inFlight.get(uri) === ac) this.inFlight.delete(uri);
        });
      }, LIVE_DELAY_MS),
    );
  }

  cancel(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.inFlight.get(uri)?.abort();
    this.inFlight.delete(uri);
  }

  cancelAll(): void {
    for (const uri of new Set([...this.timers.keys(), ...this.inFlight.keys()])) this.cancel(uri);
  }

  dispose(): void {
    this.cancelAll();
  }
}
