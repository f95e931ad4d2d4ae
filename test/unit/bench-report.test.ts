import { costGrowth } from '../../tools/bench/growth';
import { cpuBudget, keptNotes, NOTES_END, NOTES_START } from '../../tools/bench/markdown';
import { percentile } from '../../tools/bench/metrics';
import {
  groupCpuDelta,
  isPostgres,
  isTemporalServer,
  parseMachineBusySeconds,
  parseProcStat,
} from '../../tools/bench/proc-stats';
import { formatTable, serverCpuMs, type BenchReport, type BenchRow } from '../../tools/bench/report';

test('percentiles are nearest-rank: every reported value was observed', () => {
  const sorted = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
  expect(percentile(sorted, 50)).toBe(100);
  expect(percentile(sorted, 95)).toBe(190);
  expect(percentile(sorted, 99)).toBe(200);
  expect(percentile([7], 99)).toBe(7);
  expect(percentile([], 50)).toBeNaN();
});

test('the hand-written tuning notes of docs/benchmarks.md are kept as they are', () => {
  const notes = '- **WAL** on the dev server: commits stop waiting for an fsync.\n\n| a | b |\n| - | - |\n| 1 | 2 |';
  const existing = `# Benchmarks\n\ngenerated\n\n${NOTES_START}\n\n${notes}\n\n${NOTES_END}\n\n## Reproduce\n`;
  expect(keptNotes(existing)).toBe(notes);
  // No file yet, or no markers in it: a placeholder that says what goes there.
  expect(keptNotes(undefined)).toMatch(/by hand/);
  expect(keptNotes('# Benchmarks\n')).toMatch(/by hand/);
});

test('cost growth: least-squares slope per line over one-warehouse shapes, segment slopes, and the second warehouse', () => {
  const row = (shape: BenchRow['shape'], events: number, p50: number, sql: number): BenchRow => ({
    name: shape!,
    kind: 'order',
    shape,
    description: '',
    count: 1,
    completed: 1,
    statuses: {},
    errors: [],
    perSecond: 1,
    latencyMs: { p50, p95: p50, p99: p50, max: p50, mean: p50 } as BenchRow['latencyMs'],
    perOrder: { historyEvents: events, sqlStatements: sql },
    resources: {} as BenchRow['resources'],
  });
  // events = 100 + 2 × lines exactly; p50 flat; the approval shape is not a size point.
  const growth = costGrowth([
    row('one-line', 102, 1000, 90),
    row('ten-lines-1wh', 120, 1000, 108),
    row('fifty-lines', 200, 1000, 188),
    row('ten-lines', 160, 1300, 130),
    row('approval', 500, 9000, 900),
  ])!;
  expect(growth.lines).toEqual([1, 10, 50]);
  expect(growth.events.perLine).toBeCloseTo(2, 10);
  expect(growth.events.segments).toEqual([
    { from: 1, to: 10, perLine: 2 },
    { from: 10, to: 50, perLine: 2 },
  ]);
  expect(growth.events.atMostLinear).toBe(true);
  expect(growth.p50Ms.atMostLinear).toBe(true); // flat
  expect(growth.p50Ms.perLine).toBeCloseTo(0, 10);
  expect(growth.sqlStatements.perLine).toBeCloseTo(2, 10);
  expect(growth.secondWarehouse).toEqual({ events: 40, p50Ms: 300 });
  // Flat from 1 to 10 lines, then 3 events a line: faster than linear.
  const steeper = costGrowth([
    row('one-line', 100, 1000, 90),
    row('ten-lines-1wh', 100, 1000, 90),
    row('fifty-lines', 220, 1000, 90),
  ])!;
  expect(steeper.events.atMostLinear).toBe(false);
  // One size only: nothing to fit.
  expect(costGrowth([row('one-line', 102, 1000, 90), row('ten-lines', 160, 1300, 130)])).toBeUndefined();
});

test("the machine's busy CPU: user, nice, system, irq, softirq and steal of /proc/stat's first line, not idle or iowait", () => {
  const stat = 'cpu  1000 20 300 9000 400 5 15 10 0 0\ncpu0 500 10 150 4500 200 2 7 5 0 0\n';
  expect(parseMachineBusySeconds(stat, 100)).toBeCloseTo((1000 + 20 + 300 + 5 + 15 + 10) / 100);
  expect(parseMachineBusySeconds('intr 1 2 3\n', 100)).toBeUndefined();
  expect(parseMachineBusySeconds('cpu 1 2 x 4 5 6 7 8\n', 100)).toBeUndefined();
});

test('/proc/<pid>/stat: the name (even with spaces and parentheses), utime + stime, and the start time', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
  // priority nice threads itrealvalue starttime ...
  const stat = (comm: string) =>
    `4242 (${comm}) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 70 5 6 20 0 1 0 98765 123456 789 18446744073709551615\n`;
  expect(parseProcStat(stat('postgres'))).toEqual({ comm: 'postgres', cpuTicks: 320, startTicks: 98765 });
  expect(parseProcStat(stat('a (b) c'))).toEqual({ comm: 'a (b) c', cpuTicks: 320, startTicks: 98765 });
  expect(parseProcStat('4242 (x) S 1 2')).toBeUndefined();
  expect(parseProcStat('garbage')).toBeUndefined();
});

test('which processes are PostgreSQL and which a Temporal server, by name', () => {
  const proc = (comm: string, argv0?: string) => ({ comm, argv0: () => argv0 });
  expect(isPostgres(proc('postgres'))).toBe(true);
  expect(isPostgres(proc('postgres_exporter'))).toBe(false);
  expect(isTemporalServer(proc('temporal-server'))).toBe(true);
  expect(isTemporalServer(proc('temporal', '/root/.cache/durable-orders/temporal-cli/v1.5.1/temporal'))).toBe(true);
  // The cluster's build: go install names it `server`, in the cache's temporal-server/<version>/.
  expect(isTemporalServer(proc('server', '/root/.cache/durable-orders/temporal-server/v1.29.1/server'))).toBe(true);
  expect(isTemporalServer(proc('server', '/usr/bin/server'))).toBe(false);
  expect(isTemporalServer(proc('node', 'node'))).toBe(false);
});

test("a group's CPU: last reading less first, a process started meanwhile from 0, a reused pid another process", () => {
  const first = new Map([
    ['100:5', 1000],
    ['101:5', 500],
    ['102:7', 300], // exited before the last sample: its last reading is its first, so 0
  ]);
  const last = new Map([
    ['100:5', 1100], // +100
    ['101:5', 560], // +60
    ['102:7', 300],
    ['103:900', 40], // started during the phase: +40
    ['104:950', 25], // pid 104 was another process at the start (not in the group then): +25
  ]);
  expect(groupCpuDelta(first, last)).toBe(225);
  expect(groupCpuDelta(new Map(), new Map())).toBeUndefined(); // none of them on this machine
  expect(groupCpuDelta(new Map([['1:1', 5]]), new Map([['1:1', 5]]))).toBe(0); // idle, but there
});

test('the table: worker, server, PG and machine CPU per order, and the worker processes in the header', () => {
  const row = {
    name: 'one-line',
    kind: 'order',
    count: 10,
    completed: 10,
    statuses: {},
    errors: [],
    perSecond: 5,
    latencyMs: { p50: 1000, p95: 1000, p99: 1000, mean: 1000, max: 1000 },
    perOrder: { cpuMs: 120, pgCpuMs: 45, machineCpuMs: 330 },
    resources: { wallSeconds: 2, serverCpuSeconds: 1.3 },
  } as unknown as BenchRow;
  expect(serverCpuMs(row)).toBeCloseTo(130); // a report without perOrder.serverCpuMs: from the seconds
  expect(serverCpuMs({ ...row, perOrder: { serverCpuMs: 99 } })).toBe(99);
  expect(serverCpuMs({ ...row, resources: { wallSeconds: 2 } })).toBeUndefined();
  const report = {
    options: { orders: 10, concurrency: 5, shapes: ['one-line'], transitMs: 1, warmup: 0, workers: 2 },
    rows: [row],
    problems: [],
  } as unknown as BenchReport;
  const text = formatTable(report);
  expect(text).toContain('10 per run at concurrency 5, transit 1 ms, 2 worker processes');
  for (const head of ['worker CPU ms', 'server CPU ms', 'PG CPU ms', 'machine CPU ms']) expect(text).toContain(head);
  expect(text).toMatch(/│ +120 │.*│ +130 │ +45 │ +330 │/);
  // Reports from before --workers: one process.
  expect(formatTable({ ...report, options: { ...report.options, workers: undefined } })).toContain(
    'transit 1 ms, 1 worker process',
  );
});

test("the CPU budget: the machine's CPU per order against the floor's, and the rate it allows with every core busy", () => {
  const row = (name: string, kind: BenchRow['kind'], machineCpuMs: number | undefined, machineCpuPercent: number) =>
    ({
      name,
      kind,
      count: 10,
      perOrder: { machineCpuMs },
      resources: { wallSeconds: 10, machineCpuPercent },
    }) as BenchRow;
  const report = { machine: { cpus: 2 } } as BenchReport;
  const order = row('one-line', 'order', 320, 190);
  Object.assign(order.perOrder, { cpuMs: 120 });
  Object.assign(order.resources, { serverCpuSeconds: 1.3 });
  const floor = row('floor', 'floor', 128, 185);
  expect(cpuBudget(report, order, floor)).toContain(
    'spent 320 ms of CPU per one-line order and 128 ms per floor workflow, 2.50×, and was 95 % busy',
  );
  Object.assign(floor.perOrder, { cpuMs: 50 });
  Object.assign(floor.resources, { serverCpuSeconds: 0.6 });
  const text = cpuBudget(report, order, floor);
  expect(text).toContain(
    '2.50× (worker 120 against 50, server 130 against 60, the rest, PostgreSQL, the bench placing and awaiting, the kernel, 70 against 18), and',
  );
  expect(text).toContain('95 % busy while the orders ran');
  expect(text).toContain('2 cores at 320 ms an order allow about 6.3 orders/s');
  expect(cpuBudget(report, row('one-line', 'order', undefined, 190), row('floor', 'floor', 128, 185))).toBeUndefined();
  // With PostgreSQL measured, it has its own share and the rest is what is left.
  Object.assign(order.perOrder, { pgCpuMs: 40 });
  Object.assign(floor.perOrder, { pgCpuMs: 10 });
  expect(cpuBudget(report, order, floor)).toContain(
    '2.50× (worker 120 against 50, server 130 against 60, PostgreSQL 40 against 10, the rest, the bench placing and awaiting, the kernel, 30 against 8), and',
  );
});
