/**
 * How an order's cost grows with its size: per extra line (one-warehouse shapes, least squares
 * over their line counts) and for a second warehouse (ten lines from two against from one).
 * The bar: events and time per order grow at most linearly in lines. `atMostLinear` holds
 * when the largest order costs no more than the first segment's line predicts for it, give or take
 * 10 % of the smallest order's cost (one run's noise; a flat or falling first segment counts as 0).
 */
import type { BenchRow } from './report';
import { SHAPE_SIZES } from './shapes';

export interface Slope {
  /** Least-squares slope per extra line over every one-warehouse shape measured. */
  perLine: number;
  /** Slope between consecutive line counts, e.g. [1→10, 10→50]. */
  segments: Array<{ from: number; to: number; perLine: number }>;
  atMostLinear: boolean;
}

export interface Growth {
  lines: number[];
  events: Slope;
  p50Ms: Slope;
  sqlStatements: Slope;
  /** Ten lines from two warehouses minus ten lines from one: the second parcel's cost. */
  secondWarehouse?: { events: number; p50Ms: number };
}

function slope(points: Array<[number, number]>): Slope {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const segments = points
    .slice(1)
    .map(([x, y], i) => ({ from: points[i]![0], to: x, perLine: (y - points[i]![1]) / (x - points[i]![0]) }));
  const [x0, y0] = points[0]!;
  const [xn, yn] = points[n - 1]!;
  const atMostLinear = yn <= y0 + Math.max(segments[0]?.perLine ?? 0, 0) * (xn - x0) + 0.1 * Math.abs(y0);
  return { perLine: sxy / sxx, segments, atMostLinear };
}

/** Undefined unless at least two one-warehouse order shapes of different sizes were measured. */
export function costGrowth(rows: readonly BenchRow[]): Growth | undefined {
  const orders = rows.filter((r) => r.kind === 'order' && r.shape && r.shape !== 'approval');
  const oneWarehouse = orders
    .filter((r) => SHAPE_SIZES[r.shape!].warehouses === 1)
    .sort((a, b) => SHAPE_SIZES[a.shape!].lines - SHAPE_SIZES[b.shape!].lines);
  if (new Set(oneWarehouse.map((r) => SHAPE_SIZES[r.shape!].lines)).size < 2) return undefined;
  const points = (value: (r: BenchRow) => number | undefined): Array<[number, number]> =>
    oneWarehouse.map((r) => [SHAPE_SIZES[r.shape!].lines, value(r) ?? NaN]);
  const two = orders.find((r) => r.shape === 'ten-lines');
  const one = orders.find((r) => r.shape === 'ten-lines-1wh');
  return {
    lines: oneWarehouse.map((r) => SHAPE_SIZES[r.shape!].lines),
    events: slope(points((r) => r.perOrder.historyEvents)),
    p50Ms: slope(points((r) => r.latencyMs.p50)),
    sqlStatements: slope(points((r) => r.perOrder.sqlStatements)),
    ...(two && one
      ? {
          secondWarehouse: {
            events: (two.perOrder.historyEvents ?? NaN) - (one.perOrder.historyEvents ?? NaN),
            p50Ms: two.latencyMs.p50 - one.latencyMs.p50,
          },
        }
      : {}),
  };
}
