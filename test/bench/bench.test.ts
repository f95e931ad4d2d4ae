/**
 * `npm run bench` end to end, small, so it keeps working: 5 one-line orders at concurrency 2
 * against the suite's Temporal server (a throw-away database on the suite's PostgreSQL server),
 * with the docs written to a temporary folder. Asserts the report's structure and that every
 * order and floor workflow reached its end, never a number.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../tools/dev-stack/processes';
import type { BenchReport } from '../../tools/bench/report';
import { NOTES_END, NOTES_START } from '../../tools/bench/markdown';
import { runScriptToEnd } from '../support/processes';

jest.setTimeout(150_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runBench = (args: string[]) => runScriptToEnd('scripts/bench.js', args, 120_000);

test('bad flags exit 2 naming the flag, before anything starts', async () => {
  const workers = await runBench(['--workers', '0']);
  expect(workers.code).toBe(2);
  expect(workers.output).toContain('--workers must be an integer ≥ 1, got "0"');
  expect(workers.output).toContain('--workers N'); // the usage follows
});

test('5 one-line orders, the floors and the in-process baseline: a complete report, docs and a tuning-log entry', async () => {
  const json = path.join(dir, 'report.json');
  const docs = path.join(dir, 'docs');
  const { code, output } = await runBench([
    '--orders',
    '5',
    '--concurrency',
    '2',
    '--shape',
    'one-line',
    '--warmup',
    '0',
    '--address',
    process.env.TEMPORAL_ADDRESS!,
    '--json',
    json,
    '--docs',
    '--docs-dir',
    docs,
    '--label',
    'smoke test',
  ]);
  if (code !== 0) throw new Error(`bench exited ${code}:\n${output}`);

  const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  expect(report.ok).toBe(true);
  expect(report.problems).toEqual([]);
  expect(report.rows.map((r) => r.kind)).toEqual(['order', 'floor', 'floor-local', 'in-process']);
  // Every order delivered, every floor workflow completed: all 5 of each.
  for (const row of report.rows) {
    const expected = row.kind === 'floor' || row.kind === 'floor-local' ? 'Completed' : 'Delivered';
    expect({ row: row.name, count: row.count, completed: row.completed, statuses: row.statuses }).toEqual({
      row: row.name,
      count: 5,
      completed: 5,
      statuses: { [expected]: 5 },
    });
    for (const key of ['p50', 'p95', 'p99'] as const) expect(typeof row.latencyMs[key]).toBe('number');
    expect(typeof row.perSecond).toBe('number');
    expect(typeof row.perOrder.sqlStatements).toBe('number');
  }
  const [order, floor, local] = report.rows;
  for (const key of [
    'historyEvents',
    'workflowTasks',
    'activities',
    'localActivities',
    'cpuMs',
    'machineCpuMs',
  ] as const)
    expect({ key, type: typeof order!.perOrder[key] }).toEqual({ key, type: 'number' });
  expect(typeof order!.resources.peakRssMiB).toBe('number');
  // The floor makes the order's calls: its activities and local activities, then all of them local.
  expect(report.floor).toEqual({
    activities: order!.perOrder.activities,
    localActivities: order!.perOrder.localActivities,
    from: 'one-line',
  });
  expect(floor!.perOrder.activities).toBe(report.floor!.activities);
  expect(floor!.perOrder.localActivities).toBe(report.floor!.localActivities);
  expect(local!.perOrder.localActivities).toBe(report.floor!.activities + report.floor!.localActivities);
  expect(report.growth).toBeUndefined(); // one shape: no sizes to compare
  expect(report.options).toMatchObject({ orders: 5, concurrency: 2, shapes: ['one-line'] });
  expect(report.machine.cpus).toBeGreaterThan(0);

  // Every process it started (here: the worker; the server and database are the suite's) is gone.
  expect(report.processes.map((p) => p.name)).toEqual(['worker']);
  expect(report.processes.filter((p) => isAlive(p.pid))).toEqual([]);

  const markdown = readFileSync(path.join(docs, 'benchmarks.md'), 'utf8');
  expect(markdown).toContain('](benchmarks.svg)');
  expect(markdown).toContain(NOTES_START);
  expect(markdown).toContain(NOTES_END);
  expect(markdown).toContain('| smoke test |');
  expect(readFileSync(path.join(docs, 'benchmarks.svg'), 'utf8')).toMatch(/^<svg[^>]*>/);
  expect(existsSync(path.join(docs, 'benchmarks.json'))).toBe(true);
  const log = JSON.parse(readFileSync(path.join(docs, 'bench-log.json'), 'utf8')) as {
    entries: Array<{ label: string }>;
  };
  expect(log.entries.map((e) => e.label)).toEqual(['smoke test']);
  expect(output).toMatch(/floor: \d+ local activities/);
});
