/**
 * The panel inside the webview: routes ToPanel messages to the widgets, keeps the small view state
 * (setState) and posts FromPanel messages. It only displays what the extension sent; view models come
 * from viewModel.ts, DOM text only through textContent.
 */
import type { AnalysisResult } from '../src/core/result';
import { formatBits } from '../src/core/units';
import type {
  FlowMatrix,
  FromPanel,
  PanelState,
  StreamToken,
  StripMeasure,
  ToPanel,
} from '../src/extension/panel/panelProtocol';
import { DI_SERIES, GENERATION_DI_SERIES, LineChart, SURPRISAL_SERIES, type SeriesSpec } from './charts';
import { byId, setHidden } from './dom';
import { DialogueSection } from './dialogueSection';
import { composePng, type PngPart } from './exportPng';
import { Heatmap } from './heatmap';
import { restorePanelState, STATE_VERSION } from './state';
import { RateDistortionSection } from './rateDistortionSection';
import { renderLegend, renderRows } from './summary';
import { readTheme, watchTheme, type Theme } from './theme';
import { TokenStrip } from './tokenStrip';
import {
  diSeries,
  heatmapModel,
  legendItems,
  streamPoint,
  streamStripToken,
  stripTokens,
  summaryRows,
  tokenDetailRows,
  tokenSeries,
  type DiSeries,
} from './viewModel';

/** What the webview needs from acquireVsCodeApi(). */
export interface HostApi {
  post(msg: FromPanel): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

type ValueElement = HTMLElement & { value: string };

export class PanelApp {
  private state: PanelState;
  private theme: Theme;
  private result: AnalysisResult | null = null;
  private streaming = false;
  private readonly strip: TokenStrip;
  private readonly surprisal: LineChart;
  private di: { chart: LineChart; specs: readonly SeriesSpec[] } | null = null;
  private readonly heatmap: Heatmap;
  private readonly dialogue: DialogueSection;
  private readonly rd: RateDistortionSection;
  private readonly id = <T extends HTMLElement = HTMLElement>(id: string): T => byId<T>(this.doc, id);

  constructor(
    private readonly doc: Document,
    private readonly host: HostApi,
  ) {
    this.state = restorePanelState(host.getState());
    this.theme = readTheme(doc);
    this.strip = new TokenStrip(this.id('token-strip'), (p) => this.choose(p));
    this.surprisal = new LineChart(
      this.id<HTMLCanvasElement>('chart-surprisal'),
      SURPRISAL_SERIES,
      'bits',
      this.theme,
      (p) => this.choose(p, true),
    );
    this.heatmap = new Heatmap(
      this.id<HTMLCanvasElement>('flow-heatmap'),
      this.id('flow-rows'),
      this.id('flow-cols'),
      this.id('flow-readout'),
      this.id('flow-scale'),
      this.theme,
      (tokenIndex) => {
        const p = this.positionOf(tokenIndex);
        if (p !== null) this.choose(p, true);
      },
    );
    this.dialogue = new DialogueSection(doc, this.theme, (p) => this.choose(p, true));
    this.rd = new RateDistortionSection(doc, this.theme, (tokenIndex) => {
      const p = this.positionOf(tokenIndex);
      if (p !== null) this.choose(p, true);
    });
    renderLegend(this.id('legend'), legendItems());
    this.wire();
    watchTheme(doc, (t) => this.applyTheme(t));
  }

  /** The handshake: the extension sends data only after this. */
  start(): void {
    this.host.post({ kind: 'ready', stateVersion: STATE_VERSION });
  }

  handle(msg: ToPanel): void {
    this.id('app').setAttribute('aria-busy', 'false');
    switch (msg.kind) {
      case 'show':
        return this.show(msg.result, msg.resultKey, msg.stale, msg.reveal);
      case 'empty':
        return this.showEmpty();
      case 'revealToken':
        return this.reveal(msg.tokenIndex);
      case 'stream':
        return this.stream(msg.tokens, msg.reset);
      case 'exported':
        this.id('status').textContent = msg.message;
        return;
      default: {
        const unreachable: never = msg;
        return unreachable;
      }
    }
  }

  private wire(): void {
    const click = (id: string, f: () => void): void => this.id(id).addEventListener('click', f);
    click('run-analyze', () => this.host.post({ kind: 'runCommand', command: 'semanticFlow.analyzeSelection' }));
    click('rerun-analyze', () => this.host.post({ kind: 'runCommand', command: 'semanticFlow.analyzeSelection' }));
    click('export-json', () => this.result && this.host.post({ kind: 'export', format: 'json' }));
    click('export-csv', () => this.result && this.host.post({ kind: 'export', format: 'csv' }));
    click('export-png', () => this.exportPng());
    const measure = this.id<ValueElement>('measure-select');
    measure.value = this.state.view.measure;
    measure.addEventListener('change', () => {
      this.updateView({ measure: (measure.value === 'entropy' ? 'entropy' : 'surprisal') satisfies StripMeasure });
      if (this.result) this.renderStrip(this.result);
    });
    const matrix = this.id<ValueElement>('flow-matrix');
    matrix.value = this.state.view.flowMatrix;
    matrix.addEventListener('change', () => {
      this.updateView({ flowMatrix: (matrix.value === 'expected' ? 'expected' : 'phi') satisfies FlowMatrix });
      if (this.result) this.renderFlow(this.result);
    });
    const slider = this.id<HTMLInputElement>('flow-threshold');
    slider.addEventListener('input', () => {
      const t = Number(slider.value);
      this.updateView({ flowThreshold: t });
      this.id('flow-threshold-value').textContent = formatBits(t, 3);
      this.heatmap.setThreshold(t);
    });
  }

  private updateView(patch: Partial<PanelState['view']>): void {
    this.state = { ...this.state, view: { ...this.state.view, ...patch } };
    this.host.setState(this.state);
  }

  private showContent(stale: boolean): void {
    setHidden(this.id('empty-state'), true);
    setHidden(this.id('content'), false);
    setHidden(this.id('stale-banner'), !stale);
  }

  private show(r: AnalysisResult, resultKey: string, stale: boolean, reveal: number | undefined): void {
    this.streaming = false;
    this.result = r;
    if (this.state.resultKey !== resultKey)
      this.state = { ...this.state, resultKey, view: { ...this.state.view, selectedToken: null } };
    this.updateView(reveal !== undefined ? { selectedToken: reveal } : {});
    this.showContent(stale);
    this.setExports(true);
    this.id('status').textContent =
      `${r.model.id} · ${r.summary.tokens} tokens · ${formatBits(r.summary.totalBits, 1)}`;
    renderRows(this.id('summary-body'), summaryRows(r));
    this.renderStrip(r);
    const s = tokenSeries(r);
    this.surprisal.setData(s.labels, [s.surprisal, s.entropy]);
    this.renderDi(diSeries(r));
    this.renderFlow(r);
    this.dialogue.render(r);
    this.rd.render(r);
  }

  private showEmpty(): void {
    this.result = null;
    this.streaming = false;
    setHidden(this.id('content'), true);
    setHidden(this.id('stale-banner'), true);
    setHidden(this.id('empty-state'), false);
    this.dialogue.render(null);
    this.rd.render(null);
  }

  private positionOf(tokenIndex: number | null): number | null {
    const tokens = this.result?.tokens;
    if (!tokens || tokenIndex === null) return null;
    if (tokens[tokenIndex]?.index === tokenIndex) return tokenIndex;
    const p = tokens.findIndex((t) => t.index === tokenIndex);
    return p < 0 ? null : p;
  }

  private renderStrip(r: AnalysisResult): void {
    this.strip.render(stripTokens(r, this.state.view.measure));
    const p = this.positionOf(this.state.view.selectedToken);
    this.strip.setSelected(p, { scroll: true });
    renderRows(this.id('token-detail-body'), p === null ? [] : tokenDetailRows(r, p));
  }

  /** Editor → panel: highlight and scroll, without focus and without posting back. */
  private reveal(tokenIndex: number): void {
    const p = this.positionOf(tokenIndex);
    if (this.streaming || !this.result || p === null) return;
    this.updateView({ selectedToken: tokenIndex });
    this.strip.setSelected(p, { scroll: true });
    renderRows(this.id('token-detail-body'), tokenDetailRows(this.result, p));
  }

  /** The user chose a token (strip click/Enter, or a chart point). */
  private choose(position: number, fromChart = false): void {
    if (fromChart) this.strip.setSelected(position, { scroll: true });
    if (this.dialogue.visible) this.dialogue.strip.setSelected(position);
    const r = this.result;
    const t = r?.tokens[position];
    if (this.streaming || !r || !t) return;
    this.updateView({ selectedToken: t.index });
    renderRows(this.id('token-detail-body'), tokenDetailRows(r, position));
    this.host.post({ kind: 'selectToken', tokenIndex: t.index });
  }

  private ensureDi(specs: readonly SeriesSpec[]): LineChart {
    setHidden(this.id('section-di'), false);
    if (this.di?.specs !== specs) {
      this.di?.chart.destroy();
      this.di = {
        chart: new LineChart(this.id<HTMLCanvasElement>('chart-di'), specs, 'bits (cumulative)', this.theme),
        specs,
      };
    }
    return this.di.chart;
  }

  private renderDi(s: DiSeries | null): void {
    if (!s) {
      setHidden(this.id('section-di'), true);
      return;
    }
    const chart = this.ensureDi(s.expectedFlow ? GENERATION_DI_SERIES : DI_SERIES);
    chart.setData(
      s.labels,
      s.expectedFlow ? [s.sumIota, s.compensator, s.residual, s.expectedFlow] : [s.sumIota, s.compensator, s.residual],
    );
  }

  private renderFlow(r: AnalysisResult): void {
    const model = heatmapModel(r, this.state.view.flowMatrix);
    setHidden(this.id('section-flow'), model === null);
    if (!model) return this.heatmap.setModel(null, 0);
    const slider = this.id<HTMLInputElement>('flow-threshold');
    const threshold = Math.min(this.state.view.flowThreshold, model.maxAbs);
    slider.max = String(model.maxAbs);
    slider.step = String(model.maxAbs > 0 ? model.maxAbs / 100 : 0.01);
    slider.value = String(threshold);
    this.id('flow-threshold-value').textContent = formatBits(threshold, 3);
    this.heatmap.setModel(model, threshold);
  }

  private stream(tokens: readonly StreamToken[], reset: boolean): void {
    if (reset || !this.streaming) {
      this.streaming = true;
      this.result = null;
      this.showContent(false);
      this.setExports(false);
      renderRows(this.id('summary-body'), [{ label: 'Generation', value: 'streaming…' }]);
      renderRows(this.id('token-detail-body'), []);
      this.strip.render([]);
      this.surprisal.setData([], [[], []]);
      setHidden(this.id('section-di'), true);
      this.di?.chart.setData([], [[], [], []]);
      setHidden(this.id('section-flow'), true);
      this.dialogue.render(null);
      this.rd.render(null);
    }
    for (const t of tokens) {
      this.strip.append(streamStripToken(t));
      const p = streamPoint(t);
      this.surprisal.append(p.label, [p.surprisal, p.entropy]);
      if (p.di) this.ensureDi(DI_SERIES).append(p.label, [p.di.sumIota, p.di.compensator, p.di.residual]);
    }
    this.id('status').textContent = `Generating… ${this.strip.length} tokens`;
  }

  private setExports(resultExports: boolean): void {
    for (const id of ['export-json', 'export-csv']) this.id(id).toggleAttribute('disabled', !resultExports);
  }

  private exportPng(): void {
    const parts: PngPart[] = [{ title: 'Surprisal and entropy per token (bits)', canvas: this.surprisal.canvas }];
    if (this.di && !this.id('section-di').hasAttribute('hidden'))
      parts.push({ title: 'Directed information, cumulative (bits)', canvas: this.di.chart.canvas });
    if (!this.id('section-flow').hasAttribute('hidden'))
      parts.push({ title: 'Token-to-token flow (bits)', canvas: this.heatmap.canvas });
    if (this.dialogue.visible)
      parts.push({
        title: 'Dialogue: directed information across turns, cumulative (bits)',
        canvas: this.dialogue.chart.canvas,
      });
    if (this.rd.visible)
      parts.push({
        title: 'Quantisation rate–distortion: mean KL (bits/token) against bits per weight',
        canvas: this.rd.chart.canvas,
      });
    const dataUrl = composePng(this.doc, parts, this.theme);
    if (dataUrl) this.host.post({ kind: 'exportPng', dataUrl });
    else this.id('status').textContent = 'Nothing drawn yet to export (open a chart section first).';
  }

  private applyTheme(t: Theme): void {
    this.theme = t;
    this.surprisal.applyTheme(t);
    this.di?.chart.applyTheme(t);
    this.heatmap.applyTheme(t);
    this.dialogue.applyTheme(t);
    this.rd.applyTheme(t);
  }
}
