/**
 * chart.js line charts for the panel (runtime-notes §4): only the line controller and what it needs are
 * registered, animation is off, and every colour comes from the theme (re-applied on theme change).
 * Values are plotted as given (null = gap); a live stream appends points and redraws once per frame.
 * update() is called in the default mode on purpose: mode 'none' keeps the points' shared options from
 * before a theme change (chart.js skips updateSharedOptions in direct modes), leaving stale colours.
 */
import { formatBits } from '../src/core/units';
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

type SeriesColour =
  | 'surprisal'
  | 'entropy'
  | 'sumIota'
  | 'compensator'
  | 'residual'
  | 'expected'
  | 'toAssistant'
  | 'toUser';

export interface SeriesSpec {
  label: string;
  colour: SeriesColour;
  dashed?: boolean;
}

/** Above this many points the markers are hidden (the line stays readable). */
const MARKER_LIMIT = 150;

export class LineChart {
  private readonly chart: Chart<'line', (number | null)[], string>;
  private frameRequested = false;

  /** `onPick` gets the x position of a clicked point. */
  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly specs: readonly SeriesSpec[],
    yTitle: string,
    theme: Theme,
    onPick?: (position: number) => void,
  ) {
    applyDefaults(theme);
    this.chart = new Chart(canvas, {
      type: 'line',
      data: {
        labels: [],
        datasets: specs.map((s) => ({
          label: s.label,
          data: [],
          borderWidth: 1.5,
          pointRadius: 2,
          spanGaps: false,
          borderDash: s.dashed ? [4, 3] : [],
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 60 } },
          y: { title: { display: true, text: yTitle } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'line' } },
          tooltip: {
            callbacks: {
              label: (c) => `${c.dataset.label ?? ''}: ${formatBits(c.parsed.y, 3)}`,
            },
          },
        },
        onClick: (_e, elements) => {
          if (onPick && elements.length > 0) onPick(elements[0].index);
        },
      },
    });
    this.applyTheme(theme);
  }

  /** Replaces all points: one label per x position, one array per series (in the order of `specs`). */
  setData(labels: readonly string[], series: readonly (readonly (number | null)[])[]): void {
    this.chart.data.labels = [...labels];
    this.chart.data.datasets.forEach((d, i) => (d.data = [...(series[i] ?? [])]));
    this.updateMarkers();
    this.chart.update();
  }

  /** Adds one x position (live streaming); the redraw waits for the next animation frame. */
  append(label: string, values: readonly (number | null)[]): void {
    this.chart.data.labels?.push(label);
    this.chart.data.datasets.forEach((d, i) => d.data.push(values[i] ?? null));
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.updateMarkers();
      this.chart.update();
    });
  }

  applyTheme(theme: Theme): void {
    applyDefaults(theme);
    this.chart.data.datasets.forEach((d, i) => {
      const colour = theme[this.specs[i].colour];
      d.borderColor = colour;
      d.backgroundColor = colour;
      d.pointBorderColor = colour;
      d.pointBackgroundColor = colour;
    });
    const scales = this.chart.options.scales ?? {};
    for (const axis of Object.values(scales)) {
      if (!axis) continue;
      axis.grid = { ...axis.grid, color: theme.grid };
      axis.ticks = { ...axis.ticks, color: theme.foreground };
      if ('title' in axis && axis.title) axis.title.color = theme.foreground;
    }
    const legend = this.chart.options.plugins?.legend;
    if (legend) legend.labels = { ...legend.labels, color: theme.foreground };
    this.chart.update();
  }

  destroy(): void {
    this.chart.destroy();
  }

  private updateMarkers(): void {
    const radius = (this.chart.data.labels?.length ?? 0) > MARKER_LIMIT ? 0 : 2;
    for (const d of this.chart.data.datasets) d.pointRadius = radius;
  }
}

function applyDefaults(theme: Theme): void {
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.fontFamily;
}

export const SURPRISAL_SERIES: readonly SeriesSpec[] = [
  { label: 'surprisal', colour: 'surprisal' },
  { label: 'entropy', colour: 'entropy', dashed: true },
];

export const DI_SERIES: readonly SeriesSpec[] = [
  { label: 'Σ iota (directed information)', colour: 'sumIota' },
  { label: 'A_t compensator (Σ KL)', colour: 'compensator', dashed: true },
  { label: 'M_t residual', colour: 'residual', dashed: true },
];

export const GENERATION_DI_SERIES: readonly SeriesSpec[] = [
  ...DI_SERIES,
  { label: 'F(t) expected flow', colour: 'expected', dashed: true },
];

export const DIALOGUE_SERIES: readonly SeriesSpec[] = [
  { label: 'I(X → Y): user → assistant', colour: 'toAssistant' },
  { label: 'its compensator A (Σ KL)', colour: 'toAssistant', dashed: true },
  { label: 'I(0Y → X): assistant → user', colour: 'toUser' },
  { label: 'its compensator A (Σ KL)', colour: 'toUser', dashed: true },
];
