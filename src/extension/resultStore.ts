/**
 * The one state every view reads (Error Lens style): the latest result per document, with the
 * document version it was computed for, and the generation streaming now. Commands write here;
 * decorations, hovers, status bar and panel subscribe to onDidChange / onDidStream and never call each other.
 */
import * as vscode from 'vscode';
import type { GeneratedToken } from '../core/generation';
import type { AnalysisResult } from '../core/result';

/** A runaway generation stops being kept (and streamed) here; its final result is stored whole. */
export const MAX_STREAM_TOKENS = 100_000;

export interface StoredResult {
  uri: string;
  /** Document version the result's offsets are valid for. */
  documentVersion: number;
  /** UTF-16 offset of result.text inside the document. */
  offset: number;
  result: AnalysisResult;
  /** Which command produced it (live mode re-scores only plain analyses). */
  kind?: 'analyze' | 'di' | 'flow' | 'compare' | 'generate' | 'dialogue' | 'rateDistortion';
}

/** The tokens generated so far for `uri` (a virtual URI), until the generation's result is stored there. */
export interface LiveStream {
  uri: string;
  tokens: readonly GeneratedToken[];
}

/** The editor's selection as offsets into stored.result.text (may fall outside it). */
export function selectionInResult(editor: vscode.TextEditor, stored: StoredResult): { start: number; end: number } {
  const doc = editor.document;
  return {
    start: doc.offsetAt(editor.selection.start) - stored.offset,
    end: doc.offsetAt(editor.selection.end) - stored.offset,
  };
}

export class ResultStore implements vscode.Disposable {
  private readonly byUri = new Map<string, StoredResult>();
  private lastUri: string | undefined;
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the document URI whose result was set, replaced or cleared. */
  readonly onDidChange = this.changed.event;
  private live: { uri: string; tokens: GeneratedToken[] } | undefined;
  private readonly streamed = new vscode.EventEmitter<{ uri: string; reset: boolean }>();
  /** Fires after a token joined the live stream; `reset` when it started a new stream (else it is the last token). */
  readonly onDidStream = this.streamed.event;

  get(uri: string): StoredResult | undefined {
    return this.byUri.get(uri);
  }

  /** The most recently stored result (what the panel shows). */
  latest(): StoredResult | undefined {
    return this.lastUri === undefined ? undefined : this.byUri.get(this.lastUri);
  }

  /** The generation streaming now, if any. */
  stream(): LiveStream | undefined {
    return this.live;
  }

  /**
   * Adds a generated token to the live stream; another URI, or an index not after the last one (a
   * token's index is its place in the result, after the prompt's tokens), starts a new stream.
   */
  streamToken(uri: string, token: GeneratedToken): void {
    const last = this.live?.tokens.at(-1);
    const reset = !this.live || this.live.uri !== uri || (last !== undefined && token.index <= last.index);
    if (reset || !this.live) this.live = { uri, tokens: [] };
    if (this.live.tokens.length >= MAX_STREAM_TOKENS) return;
    this.live.tokens.push(token);
    this.streamed.fire({ uri, reset });
  }

  /** Stores a result and makes it the latest; a generation's result ends its stream. */
  set(stored: StoredResult): void {
    if (this.live?.uri === stored.uri) this.live = undefined;
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
    this.streamed.dispose();
  }
}
