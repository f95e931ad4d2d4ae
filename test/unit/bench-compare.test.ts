/**
 * `npm run bench:compare`'s arithmetic (tools/bench/compare.ts), on reports built here: which row it
 * reads, per-order server CPU, the ratios, and the floor as each run's own yardstick.
 */
import { compare, formatComparison, summarize, type RunSummary } from '../../tools/bench/compare';
import type { BenchReport, BenchRow } from '../../tools/bench/report';

function row(over: Partial<BenchRow> & Pick<BenchRow, 'name' | 'kind'>): BenchRow {
  return {
    description: '',
    count: 10,
    completed: 10,
    statuses: {},
    errors: [],
    perSecond: 1,
    latencyMs: { p50: 1000, p95: 1000, p99: 1000, mean: 1000, max: 1000 },
    perOrder: {},
    resources: { wallSeconds: 1 },
    ...over,
  };
}

function report(rows: BenchRow[]): BenchReport {
  return { rows } as unknown as BenchReport;
}

const run = (perSecond: number, floorPerSecond: number | undefined, workerCpuMs?: number): RunSummary => ({
  perSecond,
  p50Ms: 1000,
  floorPerSecond,
  workerCpuMs,
  complete: true,
});

test('summarize reads the shape row and its run floor; server CPU is per completed order', () => {
  const r = report([
    row({ name: 'ten-lines', kind: 'order', perSecond: 3 }),
    row({
      name: 'one-line',
      kind: 'order',
      perSecond: 6.2,
      completed: 40,
      count: 40,
      latencyMs: { p50: 2870, p95: 3500, p99: 3600, mean: 2900, max: 3700 },
      perOrder: {
        cpuMs: 124,
        pgCpuMs: 52,
        machineCpuMs: 310,
        historyEvents: 76.4,
        workflowTasks: 12.1,
        sqlStatements: 104,
      },
      resources: { wallSeconds: 6.5, serverCpuSeconds: 4.4 },
    }),
    row({ name: 'floor: 5 activities + 5 local', kind: 'floor', perSecond: 15.5 }),
    row({ name: 'floor: 10 local activities', kind: 'floor-local', perSecond: 28 }),
  ]);
  expect(summarize(r, 'one-line')).toEqual({
    perSecond: 6.2,
    p50Ms: 2870,
    workerCpuMs: 124,
    serverCpuMs: 110,
    pgCpuMs: 52,
    machineCpuMs: 310,
    historyEvents: 76.4,
    workflowTasks: 12.1,
    sqlStatements: 104,
    floorPerSecond: 15.5,
    complete: true,
  });
});

test('summarize: a run that lost orders is incomplete; a report without the shape is an error naming it', () => {
  const r = report([row({ name: 'one-line', kind: 'order', count: 40, completed: 38 })]);
  expect(summarize(r, 'one-line').complete).toBe(false);
  expect(summarize(r, 'one-line').serverCpuMs).toBeUndefined(); // the bench did not start the server
  expect(() => summarize(r, 'approval')).toThrow(/no row for shape approval \(rows: one-line\)/);
});

test('compare: pair ratios, the ratio of the means, and how many pairs the new build won', () => {
  const c = compare([
    { before: run(4, 10, 150), after: run(5, 10, 140) },
    { before: run(6, 15, 120), after: run(5.7, 15, 110) },
  ]);
  expect(c.pairs).toBe(2);
  expect(c.ratios[0]).toBeCloseTo(1.25);
  expect(c.ratios[1]).toBeCloseTo(0.95);
  expect(c.meanBefore).toBeCloseTo(5);
  expect(c.meanAfter).toBeCloseTo(5.35);
  expect(c.ratioOfMeans).toBeCloseTo(1.07);
  expect(c.afterFaster).toBe(1);
  expect(c.workerCpuRatio).toBeCloseTo(125 / 135);
  expect(c.serverCpuRatio).toBeUndefined(); // no run has it
  expect(c.machineCpuRatio).toBeUndefined();
  const withMachine = compare([
    { before: { ...run(4, 10), machineCpuMs: 320 }, after: { ...run(5, 10), machineCpuMs: 280 } },
    { before: { ...run(4, 10), machineCpuMs: 300 }, after: { ...run(5, 10), machineCpuMs: 260 } },
  ]);
  expect(withMachine.machineCpuRatio).toBeCloseTo(270 / 310);
  expect(withMachine.pgCpuRatio).toBeUndefined();
  const withPg = compare([{ before: { ...run(4, 10), pgCpuMs: 50 }, after: { ...run(5, 10), pgCpuMs: 40 } }]);
  expect(withPg.pgCpuRatio).toBeCloseTo(0.8);
});

test("compare: over each run's own floor, a machine that got faster between runs is not a faster build", () => {
  // The machine sped up by 20 % between the runs: orders and floor alike.
  const c = compare([{ before: run(5, 10), after: run(6, 12) }]);
  expect(c.ratioOfMeans).toBeCloseTo(1.2);
  expect(c.floorNormalizedRatio).toBeCloseTo(1);
  expect(compare([{ before: run(5, undefined), after: run(6, 12) }]).floorNormalizedRatio).toBeUndefined();
  expect(() => compare([])).toThrow('no pairs');
});

test('formatComparison: a row per run and the summary lines', () => {
  const pairs = [{ before: run(4, 10, 150), after: { ...run(5, 10, 140), complete: false } }];
  const text = formatComparison({ before: 'main~1 (abc1234)', after: 'this checkout' }, pairs, compare(pairs));
  expect(text).toContain('main~1 (abc1234)');
  expect(text).toContain('this checkout (incomplete)');
  expect(text).toContain(
    'orders/s by the means: 4.00 → 5.00 (1.25×); pair by pair 1.25×; this checkout faster in 1 of 1',
  );
  expect(text).toContain(
    "over each run's own floor: 1.25×   worker CPU per order: 0.93×   server CPU per order: n/a   PG CPU per order: n/a   machine CPU per order: n/a",
  );
});
