import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { visibleToken } from '../../../src/core/display';
import { bucketLabel, bucketOf, SCALE_BUCKETS } from '../../../src/core/scale';
import {
  diSeries,
  heatmapCellText,
  heatmapModel,
  heatmapScale,
  legendItems,
  shortLabel,
  streamPoint,
  streamStripToken,
  stripTokens,
  summaryRows,
  tokenDetailRows,
  tokenSeries,
} from '../../../webview/viewModel';
import { diFlowResult, HOSTILE, plainResult } from './fixtures';

const rowValue = (rows: { label: string; value: string }[], label: string) =>
  rows.find((r) => r.label === label)?.value;

describe('token strip model', () => {
  it('buckets every token exactly as core/scale.ts does, for both measures', () => {
    const r = plainResult();
    assert.deepEqual(
      stripTokens(r, 'surprisal').map((t) => t.bucket),
      r.tokens.map((t) => bucketOf(t.surprisalBits)),
    );
    assert.deepEqual(
      stripTokens(r, 'entropy').map((t) => t.bucket),
      r.tokens.map((t) => bucketOf(t.entropyBits)),
    );
    // Hand-checked against SURPRISAL_EDGES [1,2,4,6,8,11,14]: null, 0.5, 1, 7.5, 15.25, 3.9999, 2.
    assert.deepEqual(
      stripTokens(r, 'surprisal').map((t) => t.bucket),
      [null, 0, 1, 4, 7, 2, 2],
    );
  });

  it('keeps index, flags and the raw text (made visible) per token', () => {
    const s = stripTokens(plainResult(), 'surprisal');
    assert.deepEqual(
      s.map((t) => t.index),
      [0, 1, 2, 3, 4, 5, 6],
    );
    assert.equal(s[2].display, '↵\n');
    assert.equal(s[3].display, HOSTILE[0]);
    assert.equal(s[5].display, '→\t\\x01');
    assert.equal(s[4].truncated, true);
    assert.equal(s[6].special, true);
    assert.match(s[1].title, /^#1 " world" · surprisal 0.50 bits · entropy 3.25 bits/);
  });

  it('shows tokens in the strip with the strip view of core/display, and short labels on one line', () => {
    const s = stripTokens(plainResult(), 'surprisal');
    assert.deepEqual(
      s.map((t) => t.display),
      plainResult().tokens.map((t) => visibleToken(t.text, 'strip')),
    );
    assert.equal(shortLabel('line\nnext'), 'line↵next');
    assert.equal(shortLabel('abcdefghijklmnopqrstuvwxyz', 5), 'abcd…');
  });

  it('has one legend item per bucket with the labels of core/scale.ts, plus "no value"', () => {
    const items = legendItems();
    assert.equal(items.length, SCALE_BUCKETS + 1);
    items.slice(0, SCALE_BUCKETS).forEach((it, i) => assert.deepEqual(it, { bucket: i, label: bucketLabel(i) }));
    assert.deepEqual(items[SCALE_BUCKETS], { bucket: null, label: 'no value' });
  });
});

describe('chart series', () => {
  it('copies surprisal and entropy from the tokens (nulls stay gaps)', () => {
    const r = plainResult();
    const s = tokenSeries(r);
    assert.deepEqual(
      s.surprisal,
      r.tokens.map((t) => t.surprisalBits),
    );
    assert.deepEqual(
      s.entropy,
      r.tokens.map((t) => t.entropyBits),
    );
    assert.deepEqual(
      s.indices,
      r.tokens.map((t) => t.index),
    );
    assert.equal(s.labels.length, r.tokens.length);
  });

  it('plots A_t and M_t as given and Σ iota as A_t + M_t', () => {
    const r = diFlowResult();
    const s = diSeries(r)!;
    assert.deepEqual(
      s.compensator,
      r.di!.tokens.map((t) => t.compensatorBits),
    );
    assert.deepEqual(
      s.residual,
      r.di!.tokens.map((t) => t.residualBits),
    );
    // Σ iota by hand from the fixture: 1.5, 1.25, 3.25 (= di.totalBits).
    assert.deepEqual(s.sumIota, [1.5, 1.25, 3.25]);
    assert.equal(s.sumIota.at(-1), r.di!.totalBits);
    assert.equal(s.expectedFlow, null);
    assert.equal(diSeries(plainResult()), null);
  });

  it('uses generation tokens and F(t) when there is no di', () => {
    const r = plainResult();
    r.generation = {
      prompt: 'p',
      samples: 4,
      expectedFlowBits: [0.5, 1.5],
      tokens: [
        {
          index: 0,
          id: 1,
          text: 'a',
          start: 0,
          end: 1,
          iotaBits: 1,
          klBits: 0.5,
          compensatorBits: 0.5,
          residualBits: 0.5,
          z: null,
          surprisalBits: 2,
          entropyBits: 3,
        },
        {
          index: 1,
          id: 2,
          text: 'b',
          start: 1,
          end: 2,
          iotaBits: 0.5,
          klBits: 1,
          compensatorBits: 1.5,
          residualBits: 0,
          z: null,
          surprisalBits: 1,
          entropyBits: 1,
        },
      ],
    };
    const s = diSeries(r)!;
    assert.deepEqual(s.compensator, [0.5, 1.5]);
    assert.deepEqual(s.sumIota, [1, 1.5]);
    assert.deepEqual(s.expectedFlow, [0.5, 1.5]);
  });

  it('turns a streamed token into one point per series', () => {
    const t = {
      index: 3,
      text: 'x',
      surprisalBits: 2.5,
      entropyBits: 1,
      iotaBits: 0.25,
      compensatorBits: 1,
      residualBits: -0.5,
    };
    assert.deepEqual(streamPoint(t), {
      label: 'x',
      surprisal: 2.5,
      entropy: 1,
      di: { sumIota: 0.5, compensator: 1, residual: -0.5 },
    });
    assert.equal(streamPoint({ ...t, compensatorBits: null, residualBits: null }).di, null);
    assert.equal(streamStripToken(t).bucket, bucketOf(2.5));
  });
});

describe('flow heatmap model', () => {
  it('reads φ or expected bits as given, non-finite as null', () => {
    const r = diFlowResult();
    const phi = heatmapModel(r, 'phi')!;
    assert.deepEqual(phi.values, [
      [0.5, -2, 1],
      [0, 4, null],
    ]);
    assert.equal(phi.maxAbs, 4);
    assert.deepEqual(phi.rowLabels, ['Hello', shortLabel(HOSTILE[1], 18)]);
    assert.deepEqual(
      phi.colLabels,
      [r.tokens[3], r.tokens[4], r.tokens[5]].map((t) => shortLabel(t.text)),
    );
    assert.deepEqual(phi.colTokens, r.flow!.targets);
    const expected = heatmapModel(r, 'expected')!;
    assert.deepEqual(expected.values, r.flow!.expectedBits);
    assert.equal(expected.maxAbs, 1.5);
    assert.equal(heatmapModel(plainResult(), 'phi'), null);
  });

  it('keys φ from −max to +max and expected from 0 to max, and reads one cell as text', () => {
    const r = diFlowResult();
    const phi = heatmapModel(r, 'phi')!;
    const s = heatmapScale(phi);
    assert.deepEqual([s.negative, s.positive], ['−4.000 bits', '+4.000 bits']);
    assert.match(s.note, /^φ: how many bits the source \(row\) gave the observed target \(column\)/);
    const e = heatmapScale(heatmapModel(r, 'expected')!);
    assert.deepEqual([e.negative, e.positive], [null, '1.500 bits']);
    assert.match(e.note, /^KL divergence/);
    assert.equal(heatmapCellText(phi, 0, 1), `Hello → ${phi.colLabels[1]}: -2.000 bits`);
    assert.equal(heatmapCellText(phi, 1, 2), `${phi.rowLabels[1]} → ${phi.colLabels[2]}: no value`);
    assert.equal(heatmapCellText(phi, 2, 0), '');
  });
});

describe('summary table', () => {
  it('reads the summary instead of recomputing it', () => {
    const rows = summaryRows(plainResult());
    // The fixture's summary does not match its tokens on purpose.
    assert.equal(rowValue(rows, 'Total'), '123.4 bits');
    assert.equal(rowValue(rows, 'Bits per token'), '4.321 bits');
    assert.equal(rowValue(rows, 'Bits per byte'), '0.876 bits'); // 0.8765 is stored as 0.87649…, so toFixed(3) rounds down
    assert.equal(rowValue(rows, 'Perplexity'), '19.99');
    assert.equal(rowValue(rows, 'Tokens'), '7 (5 scored)');
    assert.equal(rowValue(rows, 'Sliding-window tokens'), '1');
  });

  it('shows model, device with requested device and fallback reason, and dtype', () => {
    const rows = summaryRows(plainResult());
    assert.equal(rowValue(rows, 'Model'), HOSTILE[2]);
    assert.equal(rowValue(rows, 'Device'), 'cpu (requested webgpu; fallback: WebGPU adapter not found)');
    assert.equal(rowValue(rows, 'Dtype'), 'q8');
    assert.equal(rowValue(rows, 'Baseline'), undefined);
  });

  it('says auto chose the device, without the reasons no GPU was used (they are in the status bar tooltip)', () => {
    const r = plainResult();
    r.model = {
      ...r.model,
      device: 'cpu',
      requestedDevice: 'auto',
      fallbackReason: 'CUDA was not used: this machine has no NVIDIA GPU (/dev/nvidia0).',
    };
    assert.equal(rowValue(summaryRows(r), 'Device'), 'cpu (chosen by auto)');
  });

  it('adds baseline, directed information and flow shape when present', () => {
    const rows = summaryRows(diFlowResult());
    assert.equal(rowValue(rows, 'Baseline'), `text ${JSON.stringify(HOSTILE[3])}`);
    assert.equal(rowValue(rows, 'Directed information'), '3.25 bits');
    assert.equal(rowValue(rows, 'Compensator (Σ KL)'), '2.25 bits');
    assert.equal(rowValue(rows, 'Flow'), '2 word sources × 3 targets, replace');
  });

  it('details one token from its record', () => {
    const rows = tokenDetailRows(plainResult(), 3);
    assert.equal(rowValue(rows, 'Token'), `#3 ${JSON.stringify(HOSTILE[0])} (id 103)`);
    assert.equal(rowValue(rows, 'Surprisal'), '7.500 bits');
    assert.equal(rowValue(rows, 'Rank'), '4');
    assert.equal(rowValue(rows, 'Top alternatives'), '"the" 1.00 bits');
    assert.deepEqual(tokenDetailRows(plainResult(), 99), []);
    assert.equal(rowValue(tokenDetailRows(plainResult(), 0), 'Surprisal'), '—');
  });
});
