/**
 * The numbers of one phase: throughput and latency percentiles from its samples, and what the
 * processes spent meanwhile (CPU seconds and peak RSS from /proc, SQL statements from the counters).
 */
import type { Sample } from './drive';
import { cpuSeconds, machineCpuSeconds, PeakRss } from './proc-stats';
import { subtractCounts, type SqlCounts } from './sql-counter';

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile (no interpolation: every value reported was observed). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function latencyOf(samples: readonly Sample[]): Latency {
  const ms = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const round = (v: number) => Math.round(v);
  return {
    p50: round(percentile(ms, 50)),
    p95: round(percentile(ms, 95)),
    p99: round(percentile(ms, 99)),
    mean: round(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)),
    max: round(ms[ms.length - 1] ?? NaN),
  };
}

/** Completed per second, from the first start to the last end (ramp-up and tail included). */
export function throughputOf(samples: readonly Sample[]): number {
  if (samples.length === 0) return 0;
  const first = Math.min(...samples.map((s) => s.startedAt));
  const last = Math.max(...samples.map((s) => s.endedAt));
  return samples.length / Math.max(1e-9, (last - first) / 1000);
}

export interface Resources {
  wallSeconds: number;
  /** The process that ran the business logic: the worker, or the bench itself in-process. */
  cpuSeconds?: number;
  /** Of one core, over the phase. */
  cpuPercent?: number;
  peakRssMiB?: number;
  /** Set when the bench started the Temporal server. */
  serverCpuSeconds?: number;
  serverCpuPercent?: number;
  /** Every process on the machine, all cores: the budget the stack shares (PostgreSQL included). */
  machineCpuSeconds?: number;
  /** Of one core, so up to 100 × cores. */
  machineCpuPercent?: number;
  sql?: SqlCounts;
}

export interface Probes {
  /** The process running the logic (pid); undefined: this process (process.cpuUsage). */
  pid?: number;
  serverPid?: number;
  /** Every counter involved (worker, and the bench process for the vault exchange). */
  sqlCounts: () => Promise<SqlCounts | undefined>;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Runs `fn` and measures what it cost. */
export async function measure<T>(probes: Probes, fn: () => Promise<T>): Promise<{ result: T; resources: Resources }> {
  const cpu = () => (probes.pid === undefined ? ownCpuSeconds() : cpuSeconds(probes.pid));
  const server = () => (probes.serverPid === undefined ? undefined : cpuSeconds(probes.serverPid));
  const sqlBefore = await probes.sqlCounts();
  const cpuBefore = cpu();
  const serverBefore = server();
  const machineBefore = machineCpuSeconds();
  const rss = new PeakRss(probes.pid ?? process.pid);
  const started = performance.now();
  let result: T;
  let peak: number | undefined;
  try {
    result = await fn();
  } finally {
    peak = rss.stop();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuAfter = cpu();
  const serverAfter = server();
  const machineAfter = machineCpuSeconds();
  const sqlAfter = await probes.sqlCounts();
  const resources: Resources = { wallSeconds };
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    resources.cpuSeconds = cpuAfter - cpuBefore;
    resources.cpuPercent = (100 * resources.cpuSeconds) / wallSeconds;
  }
  if (peak !== undefined) resources.peakRssMiB = peak / 2 ** 20;
  if (serverBefore !== undefined && serverAfter !== undefined) {
    resources.serverCpuSeconds = serverAfter - serverBefore;
    resources.serverCpuPercent = (100 * resources.serverCpuSeconds) / wallSeconds;
  }
  if (machineBefore !== undefined && machineAfter !== undefined) {
    resources.machineCpuSeconds = machineAfter - machineBefore;
    resources.machineCpuPercent = (100 * resources.machineCpuSeconds) / wallSeconds;
  }
  if (sqlBefore && sqlAfter) resources.sql = subtractCounts(sqlAfter, sqlBefore);
  return { result, resources };
}
