/**
 * The one state every view reads (Error Lens style): the latest result per document, with the
 * document version it was computed for. Commands write here; decorations, hovers, status bar and
 * panel subscribe to onDidChange and never call each other.
 */
import * as vscode from 'vscode';
import type { AnalysisResult } from '../core/result';

export interface StoredResult {
  uri: string;
  /** Document version the result's offsets are valid for. */
  documentVersion: number;
  /** UTF-16 offset of result.text inside the document. */
  offset: number;
  result: AnalysisResult;
  /** Which command produced it (live mode re-scores only plain analyses). */
  kind?: 'analyze' | 'di' | 'flow' | 'compare' | 'generate';
}

export class ResultStore implements vscode.Disposable {
  private readonly byUri = new Map<string, StoredResult>();
  private lastUri: string | undefined;
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the document URI whose result was set, replaced or cleared. */
  readonly onDidChange = this.changed.event;

  get(uri: string): StoredResult | undefined {
    return this.byUri.get(uri);
  }

  /** The most recently stored result (what the panel shows). */
  latest(): StoredResult | undefined {
    return this.lastUri === undefined ? undefined : this.byUri.get(this.lastUri);
  }

  set(stored: StoredResult): void {
    this.byUri.set(stored.uri, stored);
    this.lastUri = stored.uri;
    this.changed.fire(stored.uri);
  }

  /** Replaces a document's result after an edit without making it the latest (the panel keeps its focus). */
  update(stored: StoredResult): void {
    this.byUri.set(stored.uri, stored);
    this.changed.fire(stored.uri);
  }

  /** Drops a document's result (edited, closed or cleared). */
  invalidate(uri: string): void {
    if (this.byUri.delete(uri)) this.changed.fire(uri);
  }

  clear(): void {
    const uris = [...this.byUri.keys()];
    this.byUri.clear();
    for (const u of uris) this.changed.fire(u);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
