/**
 * The chart in docs/benchmarks.md: an SVG rendered by Vega-Lite and Vega, pure JavaScript (no
 * canvas, no browser): throughput (log scale) and median latency of each row of the run.
 */
import type { BenchReport } from './report';

// vega and vega-lite ship as ESM only; a real dynamic import keeps this CommonJS build able to load them.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

interface VegaLite {
  compile(spec: unknown): { spec: unknown };
}
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string> };
}

const KIND_LABELS = {
  order: 'order (Temporal)',
  floor: 'floor: activities',
  'floor-local': 'floor: local activities',
  'in-process': 'in-process (no Temporal)',
} as const;

export function chartSpec(report: BenchReport): unknown {
  const values = report.rows.map((r) => ({
    run: r.name,
    kind: KIND_LABELS[r.kind],
    perSecond: Math.round(r.perSecond * 100) / 100,
    p50: Math.round(r.latencyMs.p50) / 1000,
  }));
  // Bars on a log scale need a baseline of their own (zero is not on it): a decade below the smallest.
  const smallest = Math.min(...values.map((v) => v.perSecond).filter((v) => v > 0), 1);
  const logFloor = 10 ** Math.floor(Math.log10(smallest) - 1e-9);
  const color = {
    field: 'kind',
    type: 'nominal',
    title: null,
    scale: { domain: Object.values(KIND_LABELS) },
    legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 260 },
  };
  const panel = (field: 'perSecond' | 'p50', title: string, showRuns: boolean) => ({
    width: 300,
    height: { step: 24 },
    encoding: {
      y: {
        field: 'run',
        type: 'nominal',
        sort: null,
        title: null,
        axis: showRuns ? { labelLimit: 260 } : null,
      },
      x:
        field === 'perSecond'
          ? { field, type: 'quantitative', title, scale: { type: 'log', domainMin: logFloor } }
          : { field, type: 'quantitative', title },
    },
    layer: [
      {
        mark: 'bar',
        encoding: { color, ...(field === 'perSecond' ? { x2: { datum: logFloor } } : {}) },
      },
      { mark: { type: 'text', align: 'left', dx: 3 }, encoding: { text: { field, format: '.2f' } } },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `npm run bench: ${report.options.orders} per run, concurrency ${report.options.concurrency}`,
      subtitle: `${report.machine.cpus} × ${report.machine.cpuModel}, ${report.startedAt.slice(0, 10)}${report.label ? `, ${report.label}` : ''}`,
    },
    data: { values },
    hconcat: [
      panel('perSecond', 'completed per second (log scale)', true),
      panel('p50', 'p50 placement → end (s)', false),
    ],
    config: { font: 'sans-serif', view: { stroke: null } },
  };
}

export async function renderChartSvg(report: BenchReport): Promise<string> {
  const vl = (await importEsm('vega-lite')) as VegaLite;
  const vega = (await importEsm('vega')) as Vega;
  const view = new vega.View(vega.parse(vl.compile(chartSpec(report)).spec), { renderer: 'none' });
  return view.toSVG();
}
