/**
 * The flow matrix (rows = source units, columns = target tokens) drawn on a <canvas>. Colour intensity is
 * |value| / max|value| in the theme's positive or negative chart colour; cells below the threshold and
 * cells without a value stay empty. Axis labels are DOM text next to the canvas (shown when cells are big
 * enough to read), a key under it says what full colour means, and a readout line names the cell under
 * the pointer or the keyboard cursor (arrow keys, Home/End, PageUp/PageDown). Click or Enter chooses the
 * cell's target token.
 */
import { el, setHidden } from './dom';
import type { Theme } from './theme';
import { heatmapCellText, heatmapScale, type HeatmapModel } from './viewModel';

/** Cells at least this many CSS pixels wide get text labels on both axes. */
const LABEL_MIN_CELL = 12;

export class Heatmap {
  private model: HeatmapModel | null = null;
  private threshold = 0;
  private cell = 16;
  /** The keyboard cursor: [row, column]. */
  private cursor: [number, number] = [0, 0];

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly rowsEl: HTMLElement,
    private readonly colsEl: HTMLElement,
    private readonly readout: HTMLElement,
    private readonly scaleEl: HTMLElement,
    private theme: Theme,
    /** The user chose a cell: its target token index. */
    private readonly onChoose: (tokenIndex: number) => void,
  ) {
    canvas.addEventListener('mousemove', (e) => this.show(this.cellAt(e)));
    canvas.addEventListener('mouseleave', () =>
      this.show(this.canvas.ownerDocument.activeElement === this.canvas ? this.cursor : null),
    );
    canvas.addEventListener('click', (e) => {
      const at = this.cellAt(e);
      if (!at) return;
      this.cursor = at;
      this.draw();
      this.choose();
    });
    canvas.addEventListener('keydown', (e) => this.onKey(e));
    canvas.addEventListener('focus', () => (this.draw(), this.show(this.cursor)));
    canvas.addEventListener('blur', () => (this.draw(), this.show(null)));
  }

  setModel(model: HeatmapModel | null, threshold: number): void {
    const same =
      model &&
      this.model &&
      model.rowLabels.length === this.model.rowLabels.length &&
      model.colLabels.length === this.model.colLabels.length;
    this.model = model;
    this.threshold = threshold;
    if (!same) this.cursor = [0, 0];
    this.layout();
    this.renderScale();
    this.draw();
  }

  setThreshold(threshold: number): void {
    this.threshold = threshold;
    this.draw();
  }

  applyTheme(theme: Theme): void {
    this.theme = theme;
    this.renderScale();
    this.draw();
  }

  private renderScale(): void {
    const m = this.model;
    const doc = this.canvas.ownerDocument;
    if (!m || m.maxAbs === 0) {
      this.scaleEl.replaceChildren();
      return;
    }
    const s = heatmapScale(m);
    const ramp = (colour: string, label: string, reverse: boolean) => {
      const bar = el(doc, 'span', { className: 'ramp' });
      bar.style.background = `linear-gradient(to ${reverse ? 'left' : 'right'}, transparent, ${colour})`;
      const text = el(doc, 'span', { text: label });
      return reverse ? [text, bar] : [bar, text];
    };
    this.scaleEl.replaceChildren(
      ...(s.negative ? ramp(this.theme.negative, s.negative, true) : []),
      el(doc, 'span', { text: '0' }),
      ...ramp(this.theme.positive, s.positive, false),
      el(doc, 'p', { className: 'note', text: s.note }),
    );
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
    if (!m) return;
    const gap = this.cell >= 6 ? 1 : 0;
    if (m.maxAbs > 0) {
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
    if (this.canvas.ownerDocument.activeElement === this.canvas) {
      const [i, j] = this.cursor;
      ctx.strokeStyle = this.theme.foreground;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(
        j * this.cell + 0.75,
        i * this.cell + 0.75,
        Math.max(1, this.cell - 1.5),
        Math.max(1, this.cell - 1.5),
      );
    }
  }

  private cellAt(e: MouseEvent): [number, number] | null {
    const m = this.model;
    if (!m) return null;
    const rect = this.canvas.getBoundingClientRect();
    const j = Math.floor((e.clientX - rect.left) / this.cell);
    const i = Math.floor((e.clientY - rect.top) / this.cell);
    return i >= 0 && j >= 0 && i < m.rowLabels.length && j < m.colLabels.length ? [i, j] : null;
  }

  private show(at: [number, number] | null): void {
    this.readout.textContent = at && this.model ? heatmapCellText(this.model, at[0], at[1]) : '';
  }

  private choose(): void {
    const token = this.model?.colTokens[this.cursor[1]];
    if (token !== undefined) this.onChoose(token);
  }

  private onKey(e: KeyboardEvent): void {
    const m = this.model;
    if (!m) return;
    const rows = m.rowLabels.length,
      cols = m.colLabels.length;
    let [i, j] = this.cursor;
    const page = Math.max(1, Math.floor(240 / this.cell));
    switch (e.key) {
      case 'ArrowRight':
        j++;
        break;
      case 'ArrowLeft':
        j--;
        break;
      case 'ArrowDown':
        i++;
        break;
      case 'ArrowUp':
        i--;
        break;
      case 'PageDown':
        i += page;
        break;
      case 'PageUp':
        i -= page;
        break;
      case 'Home':
        j = 0;
        break;
      case 'End':
        j = cols - 1;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.choose();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.cursor = [Math.min(rows - 1, Math.max(0, i)), Math.min(cols - 1, Math.max(0, j))];
    this.draw();
    this.show(this.cursor);
  }
}
