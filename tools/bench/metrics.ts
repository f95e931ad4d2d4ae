/**
 * The numbers of one phase: throughput and latency percentiles from its samples, and what the
 * processes spent meanwhile (CPU seconds and peak RSS from /proc, SQL statements from the counters).
 */
import type { Sample } from './drive';
import {
  cpuSeconds,
  GroupCpu,
  isPostgres,
  isTemporalServer,
  machineCpuSeconds,
  PeakRss,
  sumCpuSeconds,
} from './proc-stats';
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
  /** The processes that ran the business logic: the worker processes (summed), or the bench itself in-process. */
  cpuSeconds?: number;
  /** Of one core, over the phase. */
  cpuPercent?: number;
  /** The peak of the worker processes' summed RSS (sampled together). */
  peakRssMiB?: number;
  /**
   * The Temporal server: the dev server the bench started (its pid), or against a running server
   * every `temporal-server` / `temporal` process on this machine, summed (undefined when none is).
   */
  serverCpuSeconds?: number;
  serverCpuPercent?: number;
  /** Every `postgres` process on the machine, summed: the workers' database and, on a cluster, Temporal's. */
  pgCpuSeconds?: number;
  pgCpuPercent?: number;
  /** Every process on the machine, all cores: the budget the stack shares (PostgreSQL included). */
  machineCpuSeconds?: number;
  /** Of one core, so up to 100 × cores. */
  machineCpuPercent?: number;
  sql?: SqlCounts;
}

export interface Probes {
  /** The processes running the logic (the workers); undefined: this process (process.cpuUsage). */
  pids?: readonly number[];
  /** The Temporal server's pid, when the bench started it. */
  serverPid?: number;
  /** Without serverPid: measure every Temporal server process on this machine (a running server at --address). */
  serverByName?: boolean;
  /** Every counter involved (worker, and the bench process for the vault exchange). */
  sqlCounts: () => Promise<SqlCounts | undefined>;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Runs `fn` and measures what it cost. */
export async function measure<T>(probes: Probes, fn: () => Promise<T>): Promise<{ result: T; resources: Resources }> {
  const cpu = () => (probes.pids === undefined ? ownCpuSeconds() : sumCpuSeconds(probes.pids));
  const server = () => (probes.serverPid === undefined ? undefined : cpuSeconds(probes.serverPid));
  const sqlBefore = await probes.sqlCounts();
  const cpuBefore = cpu();
  const serverBefore = server();
  const machineBefore = machineCpuSeconds();
  const rss = new PeakRss(probes.pids ?? [process.pid]);
  // PostgreSQL by name: every backend, whoever's (the workers' pools, the bench's, Temporal's own on a
  // cluster). Pools keep their connections, so backends live across the phase and are read at both
  // ends; one that starts and exits within it counts up to the last /proc sample that saw it.
  const pg = new GroupCpu(isPostgres);
  const serverGroup =
    probes.serverPid === undefined && probes.serverByName ? new GroupCpu(isTemporalServer) : undefined;
  const started = performance.now();
  let result: T;
  let peak: number | undefined;
  let pgSeconds: number | undefined;
  let serverGroupSeconds: number | undefined;
  try {
    result = await fn();
  } finally {
    peak = rss.stop();
    pgSeconds = pg.stop();
    serverGroupSeconds = serverGroup?.stop();
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
  const serverSeconds =
    serverBefore !== undefined && serverAfter !== undefined ? serverAfter - serverBefore : serverGroupSeconds;
  if (serverSeconds !== undefined) {
    resources.serverCpuSeconds = serverSeconds;
    resources.serverCpuPercent = (100 * serverSeconds) / wallSeconds;
  }
  if (pgSeconds !== undefined) {
    resources.pgCpuSeconds = pgSeconds;
    resources.pgCpuPercent = (100 * pgSeconds) / wallSeconds;
  }
  if (machineBefore !== undefined && machineAfter !== undefined) {
    resources.machineCpuSeconds = machineAfter - machineBefore;
    resources.machineCpuPercent = (100 * resources.machineCpuSeconds) / wallSeconds;
  }
  if (sqlBefore && sqlAfter) resources.sql = subtractCounts(sqlAfter, sqlBefore);
  return { result, resources };
}
