/**
 * The only place extension ↔ panel webview messages are declared (style-examples §3). The webview imports
 * these with `import type`; the extension also uses the runtime guards below, because whatever the
 * webview posts is untrusted input. No `vscode` import: unit-tested under plain node.
 */
import type { GeneratedToken } from '../../core/generation';
import { finiteOrNull, isJsonObject } from '../../core/jsonValue';
import type { AnalysisResult } from '../../core/result';

/** Bump when PanelState changes shape; older saved states are then dropped, not misread. */
export const PANEL_STATE_VERSION = 1;

/** Commands the panel may ask the extension to run (an allowlist, never a free string). */
export const PANEL_COMMANDS = ['semanticFlow.analyzeSelection'] as const;
export type PanelCommand = (typeof PANEL_COMMANDS)[number];

export type ExportFormat = 'json' | 'csv';
export type StripMeasure = 'surprisal' | 'entropy';
export type FlowMatrix = 'phi' | 'expected';

/** One generated token as streamed live (a subset of a generation token record; missing measures are null). */
export interface StreamToken {
  index: number;
  text: string;
  surprisalBits: number | null;
  entropyBits: number | null;
  iotaBits: number | null;
  /** A_t, cumulative (measures.md "Compensator"). */
  compensatorBits: number | null;
  /** M_t, cumulative. */
  residualBits: number | null;
}

/** Small view state kept by the webview with setState (no result data: the extension re-sends that). */
export interface PanelView {
  selectedToken: number | null;
  measure: StripMeasure;
  flowThreshold: number;
  flowMatrix: FlowMatrix;
}
export interface PanelState {
  version: typeof PANEL_STATE_VERSION;
  view: PanelView;
  /** Which result the view belongs to; a different result resets the selection. */
  resultKey?: string;
}

export type ToPanel =
  /** Sent from the extension after `ready` and whenever the shown result changes or goes stale. */
  | { kind: 'show'; uri: string; resultKey: string; result: AnalysisResult; stale: boolean; reveal?: number }
  /** Sent when there is nothing to show (no result yet, e.g. a panel revived after a restart). */
  | { kind: 'empty'; reason: 'no-result' }
  /** Sent when an editor asks to highlight a token of the shown result. */
  | { kind: 'revealToken'; tokenIndex: number }
  /** Sent while a generation runs: `reset` starts a new stream, otherwise tokens are appended. */
  | { kind: 'stream'; uri: string; tokens: StreamToken[]; reset: boolean }
  /** Sent after an export finished or failed, so the panel can say so. */
  | { kind: 'exported'; what: ExportFormat | 'png'; ok: boolean; message: string };

export type FromPanel =
  /** Sent from the webview once its script has loaded; the extension answers with `show`, `stream` or `empty`. */
  | { kind: 'ready'; stateVersion: number }
  /** Sent when the user clicks a token or presses Enter on it. */
  | { kind: 'selectToken'; tokenIndex: number }
  /** Sent by the JSON/CSV export buttons; the extension writes the shown result. */
  | { kind: 'export'; format: ExportFormat }
  /** Sent by the PNG export button with the charts drawn into one image. */
  | { kind: 'exportPng'; dataUrl: string }
  /** Sent by the empty-state / stale-banner button. */
  | { kind: 'runCommand'; command: PanelCommand };

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks a message from the webview; anything malformed is undefined (and gets logged by the caller). */
export function parseFromPanel(msg: unknown): FromPanel | undefined {
  if (!isJsonObject(msg)) return undefined;
  switch (msg.kind) {
    case 'ready':
      return typeof msg.stateVersion === 'number' ? { kind: 'ready', stateVersion: msg.stateVersion } : undefined;
    case 'selectToken':
      return isIndex(msg.tokenIndex) ? { kind: 'selectToken', tokenIndex: msg.tokenIndex } : undefined;
    case 'export':
      return msg.format === 'json' || msg.format === 'csv' ? { kind: 'export', format: msg.format } : undefined;
    case 'exportPng':
      return typeof msg.dataUrl === 'string' ? { kind: 'exportPng', dataUrl: msg.dataUrl } : undefined;
    case 'runCommand':
      return (PANEL_COMMANDS as readonly unknown[]).includes(msg.command)
        ? { kind: 'runCommand', command: msg.command as PanelCommand }
        : undefined;
    default:
      return undefined;
  }
}

/** The part of a generated token the panel draws live; a non-finite measure becomes null, as in exported JSON. */
export function toStreamToken(token: GeneratedToken): StreamToken {
  return {
    index: token.index,
    text: token.text,
    surprisalBits: finiteOrNull(token.surprisalBits),
    entropyBits: finiteOrNull(token.entropyBits),
    iotaBits: finiteOrNull(token.iotaBits),
    compensatorBits: finiteOrNull(token.compensatorBits),
    residualBits: finiteOrNull(token.residualBits),
  };
}
