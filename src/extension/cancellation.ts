/** CancellationToken → AbortSignal, and a cancellable progress notification around engine work. */
import * as vscode from 'vscode';
import { formatBytes } from '../core/units';
import type { Progress } from '../worker/protocol';

export function toAbortSignal(token: vscode.CancellationToken): AbortSignal {
  const ac = new AbortController();
  if (token.isCancellationRequested) ac.abort();
  else token.onCancellationRequested(() => ac.abort());
  return ac.signal;
}

export type DownloadProgress = Extract<Progress, { stage: 'download' }>;

/** Whole percent of `total` done, or null while the total is unknown (0). */
const percentOf = (done: number, total: number): number | null =>
  total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : null;
/** Whole percent of the download done, or null while its total is unknown. */
export const downloadPercent = (p: DownloadProgress): number | null => percentOf(p.done, p.total);

/**
 * The notification line for download progress: "1.20 MB of 125 MB (1%) · model_quantized.onnx", or while a
 * finished file's sha256 is checked, "Verifying model.onnx_data: 600 MB of 1.50 GB (40%)".
 */
export function downloadMessage(p: DownloadProgress): string {
  if (p.verifying && p.fileTotal !== null) {
    const pct = percentOf(p.fileDone, p.fileTotal) ?? 100;
    return `Verifying ${p.file.split('/').pop()}: ${formatBytes(p.fileDone)} of ${formatBytes(p.fileTotal)} (${pct}%)`;
  }
  const pct = downloadPercent(p);
  return `${formatBytes(p.done)} of ${formatBytes(p.total)}${pct === null ? '' : ` (${pct}%)`} · ${p.file.split('/').pop()}`;
}

/** A progress line for an engine Progress message; undefined for messages that feed views, not the notification. */
export function progressMessage(p: Progress): string | undefined {
  switch (p.stage) {
    case 'load':
      if (p.total) return `Loading ${p.model}: ${formatBytes(p.done ?? 0)} of ${formatBytes(p.total)} read`;
      return p.device ? `Preparing ${p.model} on ${p.device}…` : `Loading ${p.model}…`;
    case 'download':
      return downloadMessage(p);
    case 'score':
      return `${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.unit}${p.detail ? ` · ${p.detail}` : ''}`;
    case 'token':
      return undefined;
    case 'completion':
      return undefined;
  }
}

/**
 * Runs `work` under a notification with a Cancel button; cancelling aborts the signal (the engine
 * stops between chunks and the promise settles as cancelled).
 */
export function withEngineProgress<T>(
  title: string,
  work: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>,
): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) => {
        let lastPct = 0;
        return work(toAbortSignal(token), (p) => {
          const message = progressMessage(p);
          if (message === undefined) return;
          if (p.stage === 'score' && p.total > 0) {
            const pct = Math.floor((100 * p.done) / p.total);
            progress.report({ message, increment: Math.max(0, pct - lastPct) });
            lastPct = Math.max(lastPct, pct);
          } else progress.report({ message });
        });
      },
    ),
  );
}
