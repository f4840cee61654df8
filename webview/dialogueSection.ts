/**
 * The panel's dialogue section: the two cumulative curves across turns, the per-turn table, the totals
 * and conservation lines, and the templated transcript as a token strip coloured by iota (each token's
 * title names its turn). Everything comes from dialogueModel.ts; text goes in with textContent only.
 */
import type { AnalysisResult } from '../src/core/result';
import { DIALOGUE_SERIES, LineChart } from './charts';
import { byId, el, setHidden } from './dom';
import { dialogueCurves, dialogueLines, dialogueStrip, iotaLegend, turnRows } from './dialogueModel';
import { renderLegend, renderTable } from './summary';
import type { Theme } from './theme';
import { TokenStrip } from './tokenStrip';

export class DialogueSection {
  readonly chart: LineChart;
  readonly strip: TokenStrip;
  private readonly id = <T extends HTMLElement = HTMLElement>(id: string): T => byId<T>(this.doc, id);

  /** `onChoose` gets the position in result.tokens of a token the user picked in the strip. */
  constructor(
    private readonly doc: Document,
    theme: Theme,
    onChoose: (position: number) => void,
  ) {
    this.chart = new LineChart(
      this.id<HTMLCanvasElement>('chart-dialogue'),
      DIALOGUE_SERIES,
      'bits (cumulative)',
      theme,
    );
    this.strip = new TokenStrip(this.id('dialogue-strip'), onChoose);
    renderLegend(this.id('dialogue-legend'), iotaLegend());
  }

  get visible(): boolean {
    return !this.id('section-dialogue').hasAttribute('hidden');
  }

  /** Shows the result's dialogue, or hides the section when it has none. */
  render(r: AnalysisResult | null): void {
    const curves = r ? dialogueCurves(r) : null;
    setHidden(this.id('section-dialogue'), curves === null);
    if (!r || !curves) return;
    this.chart.setData(curves.labels, [curves.toAssistant, curves.toAssistantKl, curves.toUser, curves.toUserKl]);
    renderTable(this.id('dialogue-turns-body'), turnRows(r));
    this.id('dialogue-lines').replaceChildren(...dialogueLines(r).map((line) => el(this.doc, 'p', { text: line })));
    this.strip.render(dialogueStrip(r));
  }

  applyTheme(t: Theme): void {
    this.chart.applyTheme(t);
  }
}
