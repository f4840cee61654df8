import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PANEL_STATE_VERSION, parseFromPanel, toStreamToken } from '../../../src/extension/panel/panelProtocol';
import { restorePanelState, STATE_VERSION } from '../../../webview/state';
import { generatedToken } from './fixtures';

describe('parseFromPanel (the webview is untrusted)', () => {
  it('accepts each well-formed message', () => {
    assert.deepEqual(parseFromPanel({ kind: 'ready', stateVersion: 1 }), { kind: 'ready', stateVersion: 1 });
    assert.deepEqual(parseFromPanel({ kind: 'selectToken', tokenIndex: 3, extra: 'dropped' }), {
      kind: 'selectToken',
      tokenIndex: 3,
    });
    assert.deepEqual(parseFromPanel({ kind: 'export', format: 'csv' }), { kind: 'export', format: 'csv' });
    assert.deepEqual(parseFromPanel({ kind: 'exportPng', dataUrl: 'data:image/png;base64,' }), {
      kind: 'exportPng',
      dataUrl: 'data:image/png;base64,',
    });
    assert.deepEqual(parseFromPanel({ kind: 'runCommand', command: 'semanticFlow.analyzeSelection' }), {
      kind: 'runCommand',
      command: 'semanticFlow.analyzeSelection',
    });
  });

  it('rejects anything else', () => {
    for (const bad of [
      null,
      'ready',
      [],
      { kind: 'nope' },
      { kind: 'ready' },
      { kind: 'selectToken', tokenIndex: -1 },
      { kind: 'selectToken', tokenIndex: 1.5 },
      { kind: 'selectToken', tokenIndex: '2' },
      { kind: 'export', format: 'xml' },
      { kind: 'exportPng', dataUrl: 42 },
      { kind: 'runCommand', command: 'workbench.action.terminal.new' },
      { kind: 'runCommand', command: 'semanticFlow.analyzeSelection ' },
    ]) {
      assert.equal(parseFromPanel(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('toStreamToken', () => {
  it('keeps what the live view draws, non-finite measures as null, nothing else', () => {
    assert.deepEqual(
      toStreamToken(generatedToken(2, 'a', { entropyBits: Number.NaN, residualBits: Number.NEGATIVE_INFINITY })),
      {
        index: 2,
        text: 'a',
        surprisalBits: 3,
        entropyBits: null,
        iotaBits: 0.5,
        compensatorBits: 1.5,
        residualBits: null,
      },
    );
  });
});

describe('panel state', () => {
  it('uses the protocol version', () => assert.equal(STATE_VERSION, PANEL_STATE_VERSION));

  it('restores a valid state and replaces an unknown or damaged one with defaults', () => {
    const ok = {
      version: 1,
      resultKey: 'k',
      view: { selectedToken: 4, measure: 'entropy', flowThreshold: 0.5, flowMatrix: 'expected' },
    };
    assert.deepEqual(restorePanelState(ok), ok);
    const fresh = {
      version: 1,
      view: { selectedToken: null, measure: 'surprisal', flowThreshold: 0, flowMatrix: 'phi' },
    };
    assert.deepEqual(restorePanelState(undefined), fresh);
    assert.deepEqual(restorePanelState({ ...ok, version: 0 }), fresh);
    const damaged = restorePanelState({
      version: 1,
      view: { selectedToken: -2, measure: '<b>', flowThreshold: Number.NaN, flowMatrix: 1 },
    });
    assert.deepEqual(damaged, { version: 1, resultKey: undefined, view: fresh.view });
  });
});
