/**
 * The tuning log (docs/bench-log.json): one entry per `npm run bench -- --label "<change>"`, the
 * run's headline numbers under the change's name, appended in order, so docs/benchmarks.md can
 * show each tuning change as a row after the one before it.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { BenchReport, BenchRow } from './report';
import { writeJson } from './report';
import type { Shape } from './shapes';

/** A row's key across runs: its kind and shape (a floor's name carries K, which may change). */
export type RowKey = Shape | 'floor' | 'floor-local' | 'in-process';

export interface LogRow {
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  historyEvents?: number;
  activities?: number;
  sqlStatements?: number;
  cpuMs?: number;
}

export interface LogEntry {
  label: string;
  date: string;
  commit?: string;
  orders: number;
  concurrency: number;
  transitMs: number;
  /** Set when some orders did not end as expected: the numbers are suspect. */
  ok: boolean;
  rows: Partial<Record<RowKey, LogRow>>;
}

export interface BenchLog {
  entries: LogEntry[];
}

export function rowKey(row: BenchRow): RowKey {
  return row.kind === 'order' ? row.shape! : row.kind;
}

export function readBenchLog(file: string): BenchLog {
  if (!existsSync(file)) return { entries: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchLog>;
  if (!Array.isArray(parsed.entries)) throw new Error(`${file}: expected { "entries": [...] }`);
  return { entries: parsed.entries };
}

export function logEntryOf(report: BenchReport, label: string): LogEntry {
  const rows: LogEntry['rows'] = {};
  for (const r of report.rows) {
    rows[rowKey(r)] = {
      perSecond: Math.round(r.perSecond * 100) / 100,
      p50Ms: r.latencyMs.p50,
      p95Ms: r.latencyMs.p95,
      ...(r.perOrder.historyEvents !== undefined ? { historyEvents: r.perOrder.historyEvents } : {}),
      ...(r.perOrder.activities !== undefined ? { activities: r.perOrder.activities } : {}),
      ...(r.perOrder.sqlStatements !== undefined ? { sqlStatements: r.perOrder.sqlStatements } : {}),
      ...(r.perOrder.cpuMs !== undefined ? { cpuMs: Math.round(r.perOrder.cpuMs) } : {}),
    };
  }
  return {
    label,
    date: report.startedAt,
    ...(report.commit ? { commit: `${report.commit.sha.slice(0, 7)}${report.commit.dirty ? '+dirty' : ''}` } : {}),
    orders: report.options.orders,
    concurrency: report.options.concurrency,
    transitMs: report.options.transitMs,
    ok: report.ok,
    rows,
  };
}

export function appendToBenchLog(file: string, entry: LogEntry): BenchLog {
  const log = readBenchLog(file);
  log.entries.push(entry);
  writeJson(file, log);
  return log;
}
