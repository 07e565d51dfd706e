import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, sans-serif';
Chart.defaults.color = '#1a1a1a';
// Charts redraw at once: a test (or a person) sees the figures as soon as they are loaded.
Chart.defaults.animation = false;

/** Okabe-Ito: told apart with any colour vision; dashed lines and patterns are not needed to read them. */
export const PALETTE = { orange: '#E69F00', sky: '#56B4E9', green: '#009E73', blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7', black: '#000000' };

const charts = new Map<string, Chart>();

export interface Drawn {
  labels: string[];
  datasets: ChartDataset<'bar' | 'line', number[]>[];
  /** Said to screen readers and kept on the canvas (data-summary) for tests. */
  summary: string;
  /** The figure a test checks the chart was given (e.g. the sum of its first dataset). */
  check: string;
  horizontal?: boolean;
  /** Axis titles. */
  y?: string;
  y2?: string;
  money?: (value: number) => string;
  /** Datasets with the same `stack` pile up (bars side by side otherwise). */
  stacked?: boolean;
}

/** Draws, or redraws in place, the chart on canvas #id. */
export const draw = (id: string, drawn: Drawn): void => {
  const canvas = document.getElementById(id) as HTMLCanvasElement;
  canvas.setAttribute('aria-label', drawn.summary);
  canvas.dataset.check = drawn.check;
  canvas.textContent = drawn.summary;
  const config: ChartConfiguration<'bar' | 'line', number[], string> = {
    type: 'bar',
    data: { labels: drawn.labels, datasets: drawn.datasets },
    options: {
      maintainAspectRatio: false,
      indexAxis: drawn.horizontal ? 'y' : 'x',
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: drawn.money
          ? { callbacks: { label: (item) => `${item.dataset.label}: ${item.dataset.yAxisID === 'y2' ? item.formattedValue : drawn.money!(Number(item.raw))}` } }
          : {},
      },
      scales: {
        ...(drawn.stacked ? { x: { stacked: true } } : {}),
        ...(drawn.horizontal ? {} : { y: { beginAtZero: true, stacked: drawn.stacked ?? false, title: { display: Boolean(drawn.y), text: drawn.y ?? '' } } }),
        ...(drawn.y2 ? { y2: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: drawn.y2 } } } : {}),
      },
    },
  };
  const existing = charts.get(id);
  if (existing) {
    existing.data = config.data;
    existing.options = config.options!;
    existing.update();
  } else {
    charts.set(id, new Chart(canvas, config));
  }
  canvas.dataset.rendered = 'true';
};

export const destroyAll = (): void => {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
};
