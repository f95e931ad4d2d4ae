/**
 * `npm run bench:compare`: two builds measured in turns on the same machine, and what the pairs
 * say. Runs alternate (theirs, ours, theirs, ours...) because this machine's speed drifts by tens
 * of percent within an hour: a single before and after row compares two moments as much as two
 * builds. Each run also measures the floor, so every run carries its own yardstick of the
 * machine's speed: the shape's orders a second over the floor's in that run (measured a minute
 * later than the orders, so a yardstick, not a correction).
 */
import Table from 'cli-table3';
import type { BenchReport } from './report';

/** One bench run of one build, reduced to what a comparison reads. */
export interface RunSummary {
  perSecond: number;
  p50Ms: number;
  /** Worker CPU per order. */
  workerCpuMs?: number;
  /** Temporal server CPU per order (undefined against a server whose processes are not on this machine). */
  serverCpuMs?: number;
  /** Every PostgreSQL process on the machine, per order. */
  pgCpuMs?: number;
  /** Every process on the machine, per order. */
  machineCpuMs?: number;
  historyEvents?: number;
  workflowTasks?: number;
  sqlStatements?: number;
  /** The floor's workflows a second in the same run (the row with the same mix of calls). */
  floorPerSecond?: number;
  /** Every order of the shape reached its end. */
  complete: boolean;
}

/** Reads one shape's row (and its run's floor) out of a bench report, as written by `--json`. */
export function summarize(report: BenchReport, shape: string): RunSummary {
  const row = report.rows.find((r) => r.kind === 'order' && r.name === shape);
  if (!row)
    throw new Error(`the report has no row for shape ${shape} (rows: ${report.rows.map((r) => r.name).join(', ')})`);
  const floor = report.rows.find((r) => r.kind === 'floor');
  const serverCpuSeconds = row.resources.serverCpuSeconds;
  return {
    perSecond: row.perSecond,
    p50Ms: row.latencyMs.p50,
    workerCpuMs: row.perOrder.cpuMs,
    serverCpuMs:
      serverCpuSeconds === undefined || row.completed === 0 ? undefined : (serverCpuSeconds * 1000) / row.completed,
    pgCpuMs: row.perOrder.pgCpuMs,
    machineCpuMs: row.perOrder.machineCpuMs,
    historyEvents: row.perOrder.historyEvents,
    workflowTasks: row.perOrder.workflowTasks,
    sqlStatements: row.perOrder.sqlStatements,
    floorPerSecond: floor?.perSecond,
    complete: row.completed === row.count && row.count > 0,
  };
}

export interface Pair {
  before: RunSummary;
  after: RunSummary;
}

export interface Comparison {
  pairs: number;
  /** after / before, pair by pair. */
  ratios: number[];
  /** Mean orders a second of each side, and their ratio. */
  meanBefore: number;
  meanAfter: number;
  ratioOfMeans: number;
  /** Pairs in which the after build did more orders a second. */
  afterFaster: number;
  /** The same ratio with each run's rate taken over its own floor; undefined without floors. */
  floorNormalizedRatio?: number;
  /** Mean worker CPU ms per order, after over before. */
  workerCpuRatio?: number;
  serverCpuRatio?: number;
  pgCpuRatio?: number;
  /** Mean CPU per order of every process on the machine, after over before. */
  machineCpuRatio?: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean of a field over runs, or undefined when any run lacks it. */
function meanOf(runs: RunSummary[], pick: (r: RunSummary) => number | undefined): number | undefined {
  const values = runs.map(pick);
  return values.every((v): v is number => typeof v === 'number' && Number.isFinite(v)) ? mean(values) : undefined;
}

const ratio = (after: number | undefined, before: number | undefined): number | undefined =>
  after === undefined || before === undefined || before === 0 ? undefined : after / before;

export function compare(pairs: Pair[]): Comparison {
  if (pairs.length === 0) throw new Error('no pairs to compare');
  const before = pairs.map((p) => p.before);
  const after = pairs.map((p) => p.after);
  const meanBefore = mean(before.map((r) => r.perSecond));
  const meanAfter = mean(after.map((r) => r.perSecond));
  const overFloor = (r: RunSummary) => (r.floorPerSecond ? r.perSecond / r.floorPerSecond : undefined);
  return {
    pairs: pairs.length,
    ratios: pairs.map((p) => p.after.perSecond / p.before.perSecond),
    meanBefore,
    meanAfter,
    ratioOfMeans: meanAfter / meanBefore,
    afterFaster: pairs.filter((p) => p.after.perSecond > p.before.perSecond).length,
    floorNormalizedRatio: ratio(meanOf(after, overFloor), meanOf(before, overFloor)),
    workerCpuRatio: ratio(
      meanOf(after, (r) => r.workerCpuMs),
      meanOf(before, (r) => r.workerCpuMs),
    ),
    serverCpuRatio: ratio(
      meanOf(after, (r) => r.serverCpuMs),
      meanOf(before, (r) => r.serverCpuMs),
    ),
    pgCpuRatio: ratio(
      meanOf(after, (r) => r.pgCpuMs),
      meanOf(before, (r) => r.pgCpuMs),
    ),
    machineCpuRatio: ratio(
      meanOf(after, (r) => r.machineCpuMs),
      meanOf(before, (r) => r.machineCpuMs),
    ),
  };
}

const fixed = (n: number | undefined, digits = 2): string => (n === undefined ? 'n/a' : n.toFixed(digits));
const times = (n: number | undefined): string => (n === undefined ? 'n/a' : `${n.toFixed(2)}×`);

/** The pairs as a table, then one line per summary figure. */
export function formatComparison(names: { before: string; after: string }, pairs: Pair[], c: Comparison): string {
  const table = new Table({
    head: [
      'pair',
      'build',
      'per s',
      'p50 s',
      'floor /s',
      'over floor',
      'worker CPU ms',
      'server CPU ms',
      'PG CPU ms',
      'machine CPU ms',
      'events',
      'WF tasks',
      'SQL',
    ],
    colAligns: ['right', 'left', ...Array<'right'>(11).fill('right')],
    style: { head: [], border: [] },
  });
  pairs.forEach((p, i) => {
    for (const [name, r] of [
      [names.before, p.before],
      [names.after, p.after],
    ] as const) {
      table.push([
        String(i + 1),
        `${name}${r.complete ? '' : ' (incomplete)'}`,
        fixed(r.perSecond),
        fixed(r.p50Ms / 1000),
        fixed(r.floorPerSecond),
        fixed(r.floorPerSecond ? r.perSecond / r.floorPerSecond : undefined),
        fixed(r.workerCpuMs, 0),
        fixed(r.serverCpuMs, 0),
        fixed(r.pgCpuMs, 0),
        fixed(r.machineCpuMs, 0),
        fixed(r.historyEvents, 1),
        fixed(r.workflowTasks, 1),
        fixed(r.sqlStatements, 0),
      ]);
    }
  });
  return [
    table.toString(),
    `orders/s by the means: ${fixed(c.meanBefore)} → ${fixed(c.meanAfter)} (${times(c.ratioOfMeans)}); ` +
      `pair by pair ${c.ratios.map(times).join(', ')}; ${names.after} faster in ${c.afterFaster} of ${c.pairs}`,
    `over each run's own floor: ${times(c.floorNormalizedRatio)}   worker CPU per order: ${times(c.workerCpuRatio)}   ` +
      `server CPU per order: ${times(c.serverCpuRatio)}   PG CPU per order: ${times(c.pgCpuRatio)}   ` +
      `machine CPU per order: ${times(c.machineCpuRatio)}`,
  ].join('\n');
}
