/**
 * The rate–distortion curve: one chart.js scatter point per variant (rate on x, mean KL on y), joined in
 * rate order, each with its bootstrap interval as an error bar and its name beside it (a small plugin
 * draws both). Colours come from the theme and are re-applied when it changes; clicking a point picks the
 * variant.
 */
import { Chart, LinearScale, LineElement, PointElement, ScatterController, Tooltip, type Plugin } from 'chart.js';
import type { Theme } from './theme';
import type { RdPoint } from './rateDistortionModel';

Chart.register(ScatterController, PointElement, LineElement, LinearScale, Tooltip);

export class RateDistortionChart {
  private readonly chart: Chart<'scatter', { x: number; y: number }[]>;
  private points: RdPoint[] = [];
  private theme: Theme;

  constructor(
    readonly canvas: HTMLCanvasElement,
    theme: Theme,
    onPick: (variant: string) => void,
  ) {
    this.theme = theme;
    const bars: Plugin<'scatter'> = { id: 'sfErrorBars', afterDatasetsDraw: (c) => this.drawBars(c) };
    this.chart = new Chart(canvas, {
      type: 'scatter',
      data: { datasets: [{ data: [], showLine: true, borderWidth: 1, pointRadius: 4, pointHoverRadius: 6 }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        layout: { padding: { right: 48, top: 12 } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'rate: bits per weight' } },
          y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'distortion: mean KL, bits/token' } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (c) => {
                const p = this.points[c.dataIndex];
                return p
                  ? `${p.label}: ${p.x.toFixed(2)} bits/weight, KL ${p.y.toFixed(4)} [${p.low.toFixed(4)}, ${p.high.toFixed(4)}] bits/token`
                  : '';
              },
            },
          },
        },
        onClick: (_e, elements) => {
          const p = elements.length > 0 ? this.points[elements[0].index] : undefined;
          if (p) onPick(p.label);
        },
      },
      plugins: [bars],
    });
    this.applyTheme(theme);
  }

  setData(points: readonly RdPoint[]): void {
    this.points = [...points];
    this.chart.data.datasets[0].data = points.map((p) => ({ x: p.x, y: p.y }));
    this.chart.update();
  }

  applyTheme(theme: Theme): void {
    this.theme = theme;
    const d = this.chart.data.datasets[0];
    d.borderColor = theme.sumIota;
    d.backgroundColor = theme.sumIota;
    for (const axis of Object.values(this.chart.options.scales ?? {})) {
      if (!axis) continue;
      axis.grid = { ...axis.grid, color: theme.grid };
      axis.ticks = { ...axis.ticks, color: theme.foreground };
      if ('title' in axis && axis.title) axis.title.color = theme.foreground;
    }
    this.chart.update();
  }

  destroy(): void {
    this.chart.destroy();
  }

  private drawBars(c: Chart): void {
    const { ctx } = c;
    const y = c.scales.y;
    const meta = c.getDatasetMeta(0);
    ctx.save();
    ctx.strokeStyle = this.theme.foreground;
    ctx.fillStyle = this.theme.foreground;
    ctx.font = `11px ${this.theme.fontFamily}`;
    ctx.lineWidth = 1;
    this.points.forEach((p, i) => {
      const el = meta.data[i];
      if (!el) return;
      const top = y.getPixelForValue(p.high),
        bottom = y.getPixelForValue(p.low);
      ctx.beginPath();
      ctx.moveTo(el.x, top);
      ctx.lineTo(el.x, bottom);
      ctx.moveTo(el.x - 4, top);
      ctx.lineTo(el.x + 4, top);
      ctx.moveTo(el.x - 4, bottom);
      ctx.lineTo(el.x + 4, bottom);
      ctx.stroke();
      ctx.fillText(p.label, el.x + 7, el.y - 6);
    });
    ctx.restore();
  }
}
