/**
 * The bench's result: one JSON document (BenchReport) and the table made from it, the same
 * columns in the terminal (cli-table3) and in docs/benchmarks.md (markdown.ts).
 */
import type { BenchOptions } from './runner';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import type { ProcessRecord } from '../dev-stack/processes';
import type { Latency, Resources } from './metrics';
import type { Growth } from './growth';
import type { Machine } from './machine';
import type { Shape } from './shapes';

export type RowKind = 'order' | 'floor' | 'floor-local' | 'in-process';

export interface PerOrder {
  historyEvents?: number;
  /** Of historyEvents, the order's (or floor workflow's) own; the rest are its children's. */
  ownEvents?: number;
  workflowTasks?: number;
  activities?: number;
  localActivities?: number;
  children?: number;
  /** In-process: activity functions called. */
  calls?: number;
  sqlStatements?: number;
  sqlTransactions?: number;
  /** CPU of the processes that ran the logic (the workers, summed; in-process: the bench), per order. */
  cpuMs?: number;
  /** CPU of the Temporal server per order (Resources.serverCpuSeconds says which processes). */
  serverCpuMs?: number;
  /** CPU of every PostgreSQL process on the machine per order. */
  pgCpuMs?: number;
  /** CPU of every process on the machine over the phase, per order. */
  machineCpuMs?: number;
}

export interface BenchRow {
  name: string;
  kind: RowKind;
  shape?: Shape;
  description: string;
  /** Tasks run (orders or floor workflows). */
  count: number;
  /** Reached the expected end: Delivered (orders, in-process) or Completed (floor). */
  completed: number;
  statuses: Record<string, number>;
  /** The first distinct errors, if any. */
  errors: string[];
  perSecond: number;
  latencyMs: Latency;
  perOrder: PerOrder;
  resources: Resources;
}

export interface BenchReport {
  schema: 1;
  label?: string;
  startedAt: string;
  durationMs: number;
  commit?: { sha: string; dirty: boolean };
  /** `workers` is absent from reports written before --workers: one process then. */
  options: Pick<BenchOptions, 'orders' | 'concurrency' | 'shapes' | 'transitMs' | 'workers' | 'warmup' | 'address'>;
  stack: {
    temporal: string;
    temporalServerVersion?: string;
    /** The dev server's flags that matter for speed (persistence, SQLite pragmas), when the bench started it. */
    serverFlags?: string[];
    database: string;
    worker: string;
    taskQueuePrefix: string;
  };
  machine: Machine;
  /** The floor's calls per workflow: the first measured shape's activities and local activities per order. */
  floor?: { activities: number; localActivities: number; from: Shape };
  /** How events, time and SQL per order grow with lines and warehouses, when the shapes for it ran. */
  growth?: Growth;
  rows: BenchRow[];
  /** Every process the bench started, by pid, and how it ended. */
  processes: ProcessRecord[];
  /** Every order and floor workflow reached its expected end and nothing broke. */
  ok: boolean;
  problems: string[];
}

const num = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(digits);
const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : 'n/a');

function events(p: PerOrder): string {
  if (p.historyEvents === undefined) return 'n/a';
  if (!p.children || p.ownEvents === undefined) return num(p.historyEvents);
  return `${num(p.historyEvents)} (${num(p.ownEvents)} + ${num(p.historyEvents - p.ownEvents)})`;
}

/** The server's CPU per order (reports before perOrder.serverCpuMs: from the phase's seconds). */
export function serverCpuMs(r: BenchRow): number | undefined {
  if (r.perOrder.serverCpuMs !== undefined) return r.perOrder.serverCpuMs;
  const s = r.resources.serverCpuSeconds;
  return s === undefined || !r.count ? undefined : (s * 1000) / r.count;
}

/** The run header's worker processes: `1 worker process`, `2 worker processes`. */
export function workersPhrase(report: Pick<BenchReport, 'options'>): string {
  const n = report.options.workers ?? 1;
  return `${n} worker process${n === 1 ? '' : 'es'}`;
}

export interface Column {
  head: string;
  cell(row: BenchRow): string;
}

/** Per order (or per floor workflow); worker CPU and RSS are the workers' (the bench's own, in-process). */
export const COLUMNS: Column[] = [
  { head: 'run', cell: (r) => r.name },
  { head: 'per s', cell: (r) => num(r.perSecond, r.perSecond < 100 ? 2 : 0) },
  { head: 'p50 s', cell: (r) => seconds(r.latencyMs.p50) },
  { head: 'p95 s', cell: (r) => seconds(r.latencyMs.p95) },
  { head: 'p99 s', cell: (r) => seconds(r.latencyMs.p99) },
  { head: 'events (own + children)', cell: (r) => events(r.perOrder) },
  { head: 'WF tasks', cell: (r) => num(r.perOrder.workflowTasks) },
  { head: 'activities', cell: (r) => num(r.perOrder.activities ?? r.perOrder.calls) },
  { head: 'local acts', cell: (r) => num(r.perOrder.localActivities) },
  {
    head: 'SQL (tx)',
    cell: (r) =>
      r.perOrder.sqlStatements === undefined
        ? 'n/a'
        : `${num(r.perOrder.sqlStatements)} (${num(r.perOrder.sqlTransactions)})`,
  },
  { head: 'worker CPU ms', cell: (r) => num(r.perOrder.cpuMs, 0) },
  { head: 'worker CPU %', cell: (r) => num(r.resources.cpuPercent, 0) },
  { head: 'RSS MiB', cell: (r) => num(r.resources.peakRssMiB, 0) },
  { head: 'server CPU ms', cell: (r) => num(serverCpuMs(r), 0) },
  { head: 'PG CPU ms', cell: (r) => num(r.perOrder.pgCpuMs, 0) },
  { head: 'machine CPU ms', cell: (r) => num(r.perOrder.machineCpuMs, 0) },
];

export function formatTable(report: BenchReport): string {
  const table = new Table({
    head: COLUMNS.map((c) => c.head),
    colAligns: COLUMNS.map((_, i) => (i === 0 ? 'left' : 'right')),
    style: { head: [], border: [] }, // no colours: the table also goes to files and CI logs
  });
  for (const row of report.rows) table.push(COLUMNS.map((c) => c.cell(row)));
  const lines = [
    `${report.options.orders} per run at concurrency ${report.options.concurrency}, transit ${report.options.transitMs} ms, ` +
      `${workersPhrase(report)}` +
      `${report.label ? ` — ${report.label}` : ''}`,
    table.toString(),
    'Per order (floor: per workflow). Worker CPU ms, CPU % (of one core) and RSS (peak of the sum) are the worker ' +
      "processes' together; in-process: the bench process's. Server CPU ms: the dev server the bench started, or " +
      'with --address every temporal-server / temporal process on this machine (n/a: none here). PG CPU ms: every ' +
      "postgres process on the machine. Machine CPU ms: every process on the machine. SQL counts the workers' " +
      "statements and the placing client's (card vault).",
  ];
  if (report.problems.length) lines.push('', 'PROBLEMS:', ...report.problems.map((p) => `  - ${p}`));
  return lines.join('\n');
}

export function writeJson(file: string, data: unknown): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** '6 activities + 5 local', or '14 activities' when the order made no local calls. */
export function floorCalls(activities: number, localActivities: number): string {
  return localActivities > 0 ? `${activities} activities + ${localActivities} local` : `${activities} activities`;
}
