/**
 * The flow matrix (rows = source units, columns = target tokens) drawn on a <canvas>. Colour intensity is
 * |value| / max|value| in the theme's positive or negative chart colour; cells below the threshold and
 * cells without a value stay empty. Axis labels are DOM text next to the canvas (shown when cells are big
 * enough to read), and a readout line names the cell under the pointer.
 */
import { el, setHidden } from './dom';
import type { Theme } from './theme';
import type { HeatmapModel } from './viewModel';

/** Cells at least this many CSS pixels wide get text labels on both axes. */
const LABEL_MIN_CELL = 12;

export class Heatmap {
  private model: HeatmapModel | null = null;
  private threshold = 0;
  private cell = 16;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly rowsEl: HTMLElement,
    private readonly colsEl: HTMLElement,
    private readonly readout: HTMLElement,
    private theme: Theme,
  ) {
    canvas.addEventListener('mousemove', (e) => this.onPointer(e));
    canvas.addEventListener('mouseleave', () => (this.readout.textContent = ''));
  }

  setModel(model: HeatmapModel | null, threshold: number): void {
    this.model = model;
    this.threshold = threshold;
    this.layout();
    this.draw();
  }

  setThreshold(threshold: number): void {
    this.threshold = threshold;
    this.draw();
  }

  applyTheme(theme: Theme): void {
    this.theme = theme;
    this.draw();
  }

  private layout(): void {
    const m = this.model;
    const doc = this.canvas.ownerDocument;
    if (!m) {
      this.rowsEl.replaceChildren();
      this.colsEl.replaceChildren();
      return;
    }
    const cols = m.colLabels.length;
    this.cell = Math.max(3, Math.min(22, Math.floor(720 / Math.max(cols, m.rowLabels.length))));
    const labelled = this.cell >= LABEL_MIN_CELL;
    setHidden(this.rowsEl, !labelled);
    setHidden(this.colsEl, !labelled);
    const px = `${this.cell}px`;
    this.rowsEl.replaceChildren(
      ...(labelled ? m.rowLabels : []).map((text) => {
        const s = el(doc, 'span', { text, title: text });
        s.style.height = px;
        s.style.lineHeight = px;
        return s;
      }),
    );
    this.colsEl.replaceChildren(
      ...(labelled ? m.colLabels : []).map((text) => {
        const s = el(doc, 'span', { text, title: text });
        s.style.width = px;
        return s;
      }),
    );
  }

  private draw(): void {
    const m = this.model;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = this.canvas.ownerDocument.defaultView?.devicePixelRatio ?? 1;
    const w = m ? m.colLabels.length * this.cell : 0;
    const h = m ? m.rowLabels.length * this.cell : 0;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (!m || m.maxAbs === 0) return;
    const gap = this.cell >= 6 ? 1 : 0;
    m.values.forEach((row, i) =>
      row.forEach((v, j) => {
        if (v === null || Math.abs(v) < this.threshold || v === 0) return;
        ctx.globalAlpha = Math.max(0.08, Math.abs(v) / m.maxAbs);
        ctx.fillStyle = v > 0 ? this.theme.positive : this.theme.negative;
        ctx.fillRect(j * this.cell, i * this.cell, this.cell - gap, this.cell - gap);
      }),
    );
    ctx.globalAlpha = 1;
  }

  private onPointer(e: MouseEvent): void {
    const m = this.model;
    if (!m) return;
    const rect = this.canvas.getBoundingClientRect();
    const j = Math.floor((e.clientX - rect.left) / this.cell);
    const i = Math.floor((e.clientY - rect.top) / this.cell);
    const v = m.values[i]?.[j];
    if (v === undefined) {
      this.readout.textContent = '';
      return;
    }
    this.readout.textContent = `${m.rowLabels[i]} → ${m.colLabels[j]}: ${v === null ? 'no value' : `${v.toFixed(3)} bits`}`;
  }
}
