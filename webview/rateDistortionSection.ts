/**
 * The panel's rate–distortion section: the curve (one point per variant with its interval), the table of
 * variants, and the chosen variant's worst tokens as buttons that select the token (in the panel and, through
 * the extension, in the editor). The variant is chosen by clicking its point or with the select box.
 */
import type { AnalysisResult } from '../src/core/result';
import { byId, el, setHidden } from './dom';
import { RateDistortionChart } from './rateDistortionChart';
import { defaultVariant, rdNote, rdPoints, rdRows, worstItems } from './rateDistortionModel';
import { renderTable } from './summary';
import type { Theme } from './theme';
import { renderWorst } from './worstList';

export class RateDistortionSection {
  readonly chart: RateDistortionChart;
  private result: AnalysisResult | null = null;
  private readonly id = <T extends HTMLElement = HTMLElement>(id: string): T => byId<T>(this.doc, id);

  /** `onChoose` gets the index in result.tokens of a worst token the user picked. */
  constructor(
    private readonly doc: Document,
    theme: Theme,
    private readonly onChoose: (tokenIndex: number) => void,
  ) {
    this.chart = new RateDistortionChart(this.id<HTMLCanvasElement>('chart-rd'), theme, (variant) =>
      this.choose(variant),
    );
    const select = this.id<HTMLSelectElement>('rd-variant');
    select.addEventListener('change', () => this.choose(select.value));
  }

  get visible(): boolean {
    return !this.id('section-rd').hasAttribute('hidden');
  }

  render(r: AnalysisResult | null): void {
    const has = !!r?.rateDistortion && r.rateDistortion.points.length > 0;
    setHidden(this.id('section-rd'), !has);
    this.result = has ? r : null;
    if (!r || !has) return;
    this.chart.setData(rdPoints(r));
    renderTable(this.id('rd-points-body'), rdRows(r));
    this.id('rd-note').textContent = rdNote(r);
    const variants = r.rateDistortion!.points.map((p) => p.variant);
    this.id('rd-variant').replaceChildren(
      ...variants.map((v) => el(this.doc, 'option', { text: v, attrs: { value: v } })),
    );
    this.choose(defaultVariant(r) ?? variants[0]);
  }

  applyTheme(t: Theme): void {
    this.chart.applyTheme(t);
  }

  private choose(variant: string): void {
    const r = this.result;
    if (!r) return;
    this.id<HTMLSelectElement>('rd-variant').value = variant;
    const items = worstItems(r, variant);
    renderWorst(this.id('rd-worst'), items, this.onChoose);
    setHidden(this.id('rd-worst-empty'), items.length > 0);
  }
}
