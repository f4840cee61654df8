/** The webview's small, versioned view state (getState/setState): no result data, the extension re-sends that. */
import { isJsonObject } from '../src/core/jsonValue';
import type { PanelState, PanelView } from '../src/extension/panel/panelProtocol';

/** Same value as PANEL_STATE_VERSION in panelProtocol.ts (kept as a literal so the webview imports types only). */
export const STATE_VERSION = 1 satisfies PanelState['version'];

export const defaultPanelView = (): PanelView => ({
  selectedToken: null,
  measure: 'surprisal',
  flowThreshold: 0,
  flowMatrix: 'phi',
});

/** A saved state if this version understands it, else a fresh default (an old shape is dropped, never misread). */
export function restorePanelState(saved: unknown): PanelState {
  const fresh: PanelState = { version: STATE_VERSION, view: defaultPanelView() };
  if (!isJsonObject(saved) || saved.version !== STATE_VERSION || !isJsonObject(saved.view)) return fresh;
  const v = saved.view;
  const sel = v.selectedToken;
  const thr = v.flowThreshold;
  return {
    version: STATE_VERSION,
    resultKey: typeof saved.resultKey === 'string' ? saved.resultKey : undefined,
    view: {
      selectedToken: typeof sel === 'number' && Number.isInteger(sel) && sel >= 0 ? sel : null,
      measure: v.measure === 'entropy' ? 'entropy' : 'surprisal',
      flowThreshold: typeof thr === 'number' && Number.isFinite(thr) && thr >= 0 ? thr : 0,
      flowMatrix: v.flowMatrix === 'expected' ? 'expected' : 'phi',
    },
  };
}
