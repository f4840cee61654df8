/**
 * What an export writes (the panel's buttons, the Export Result command): file bytes, a default file name and
 * save-dialog filters.
 * JSON and CSV come from the same writers as the CLI (`--format json|csv`), so both give identical files;
 * the PNG arrives from the webview as a data URL and is checked here before anything is written.
 * Pure (no `vscode`): the host shows the save dialog and writes.
 */
import { toCsv, toJson } from '../../core/exportFormats';
import type { AnalysisResult } from '../../core/result';
import type { ExportFormat } from './panelProtocol';

export interface ExportFile {
  bytes: Uint8Array;
  /** File name proposed in the save dialog. */
  fileName: string;
  /** showSaveDialog filters: label → extensions. */
  filters: Record<string, string[]>;
}

/** Largest PNG the panel may send (the data URL length, in characters). */
export const MAX_PNG_DATA_URL = 32 * 1024 * 1024;
const PNG_PREFIX = 'data:image/png;base64,';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** "notes.md" for file:///x/notes.md, "untitled-1" for untitled:Untitled-1; safe as a file name. */
export function baseNameOf(uri: string): string {
  const last =
    uri
      .split(/[/\\:]/)
      .filter(Boolean)
      .pop() ?? 'result';
  const name = (() => {
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  })();
  return (
    name
      .replace(/[^\p{L}\p{N}._-]+/gu, '-')
      .replace(/^[.-]+/, '')
      .slice(0, 80) || 'result'
  );
}

export function resultExport(result: AnalysisResult, format: ExportFormat, uri: string): ExportFile {
  const base = `${baseNameOf(uri)}.semantic-flow`;
  const text = format === 'json' ? toJson(result) : toCsv(result);
  return {
    bytes: new TextEncoder().encode(text),
    fileName: `${base}.${format}`,
    filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
  };
}

/** The PNG bytes of a `data:image/png;base64,` URL, or an error message saying what is wrong with it. */
export function decodePngDataUrl(dataUrl: string): { bytes: Uint8Array } | { error: string } {
  if (!dataUrl.startsWith(PNG_PREFIX)) return { error: 'The panel sent an image that is not a PNG data URL.' };
  if (dataUrl.length > MAX_PNG_DATA_URL)
    return { error: `The chart image is larger than ${MAX_PNG_DATA_URL / 1024 / 1024} MiB.` };
  const b64 = dataUrl.slice(PNG_PREFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { error: 'The chart image is not valid base64.' };
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => bytes[i] !== b))
    return { error: 'The chart image does not start with a PNG signature.' };
  return { bytes };
}

export function pngExport(uri: string, bytes: Uint8Array): ExportFile {
  return { bytes, fileName: `${baseNameOf(uri)}.semantic-flow.png`, filters: { 'PNG image': ['png'] } };
}
