/**
 * CPU time and memory of processes by id, of every process of a kind (by name: PostgreSQL, the
 * Temporal server), and the whole machine's CPU time, from Linux's /proc: what the bench reports
 * for the worker processes, the Temporal server, PostgreSQL and everything on the machine (the
 * bench itself included). Elsewhere every reading is undefined and the report says n/a.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every common Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcStat {
  /** The command name (/proc/<pid>/comm: the executable's file name, at most 15 characters). */
  comm: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** When it started, in clock ticks after boot: with the pid, a process's identity (pids are reused). */
  startTicks: number;
}

/** The fields of a /proc/<pid>/stat line the bench reads. */
export function parseProcStat(stat: string): ProcStat | undefined {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15, starttime field 22.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const start = Number(fields[19]);
  if (![utime, stime, start].every(Number.isFinite)) return undefined;
  return { comm: stat.slice(open + 1, close), cpuTicks: utime + stime, startTicks: start };
}

function readProcStat(pid: number | string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** User + system CPU seconds the process (all its threads) has used so far. */
export function cpuSeconds(pid: number): number | undefined {
  const stat = readProcStat(pid);
  return stat && stat.cpuTicks / clockTicks();
}

/** The CPU seconds of several processes, summed; undefined when any of them cannot be read. */
export function sumCpuSeconds(pids: readonly number[]): number | undefined {
  let sum = 0;
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s === undefined) return undefined;
    sum += s;
  }
  return pids.length ? sum : undefined;
}

/** A process as a group matcher sees it; argv0 is read only when the name alone does not decide. */
export interface ProcInfo {
  pid: number;
  comm: string;
  argv0: () => string | undefined;
}

/** Every PostgreSQL process: the postmaster, its backends and its background processes all keep the comm `postgres`. */
export const isPostgres = (p: Pick<ProcInfo, 'comm'>): boolean => p.comm === 'postgres';

/**
 * A Temporal server process: `temporal-server` (the release binary), `temporal` (the CLI, whose
 * `server start-dev` is the dev server), or the cluster's build (tools/cluster/server-build.ts:
 * `go install` names it `server`, in the cache's `temporal-server/<version>/` folder).
 */
export function isTemporalServer(p: Pick<ProcInfo, 'comm' | 'argv0'>): boolean {
  if (p.comm === 'temporal-server' || p.comm === 'temporal') return true;
  return p.comm === 'server' && /(^|\/)temporal-server\/[^/]+\/server$/.test(p.argv0() ?? '');
}

/** CPU ticks by process (`pid:starttime`) of every process that `match` accepts, now. */
function sampleGroup(match: (p: ProcInfo) => boolean): Map<string, number> | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const out = new Map<string, number>();
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(name);
    if (!stat) continue;
    const argv0 = () => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0', 1)[0];
      } catch {
        return undefined;
      }
    };
    if (match({ pid: Number(name), comm: stat.comm, argv0 })) out.set(`${name}:${stat.startTicks}`, stat.cpuTicks);
  }
  return out;
}

/**
 * The CPU a group of processes spent between two samples: for each process seen (keyed by pid and
 * start time, so a reused pid is another process), its last reading less its first, a process
 * started since the first sample counting from 0. A process that exited between samples keeps its
 * last reading: what it spent after that is lost. Undefined when no process of the group was seen.
 */
export function groupCpuDelta(
  first: ReadonlyMap<string, number>,
  last: ReadonlyMap<string, number>,
): number | undefined {
  if (first.size === 0 && last.size === 0) return undefined;
  let sum = 0;
  for (const [key, ticks] of last) sum += Math.max(0, ticks - (first.get(key) ?? 0));
  return sum;
}

/**
 * CPU seconds of every process `match` accepts, over the time from construction to stop(): the
 * whole of /proc is read at both ends and every `everyMs` between, so processes that start and
 * exit meanwhile count for what they spent until the last sample that saw them.
 */
export class GroupCpu {
  private readonly first: Map<string, number> | undefined;
  private readonly last = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly match: (p: ProcInfo) => boolean,
    everyMs = 1_000,
  ) {
    this.first = sampleGroup(match);
    for (const [k, v] of this.first ?? []) this.last.set(k, v);
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    for (const [k, v] of sampleGroup(this.match) ?? []) this.last.set(k, v);
  }

  /** CPU seconds since construction; undefined off Linux or when no such process ran. */
  stop(): number | undefined {
    clearInterval(this.timer);
    if (!this.first) return undefined;
    this.sample();
    const ticks = groupCpuDelta(this.first, this.last);
    return ticks === undefined ? undefined : ticks / clockTicks();
  }
}

/**
 * Busy CPU seconds of the whole machine, all cores, from the first line of /proc/stat: user,
 * nice, system, irq, softirq and steal (not idle, not iowait, which is idle time waiting on disk).
 */
export function parseMachineBusySeconds(procStat: string, ticks: number): number | undefined {
  const fields = (procStat.split('\n', 1)[0] ?? '').trim().split(/\s+/);
  if (fields[0] !== 'cpu') return undefined;
  // After the label: user 1, nice 2, system 3, idle 4, iowait 5, irq 6, softirq 7, steal 8.
  const busy = [1, 2, 3, 6, 7, 8].map((i) => Number(fields[i])); // a missing field is NaN
  if (busy.some((v) => !Number.isFinite(v))) return undefined;
  return busy.reduce((a, b) => a + b, 0) / ticks;
}

/** Busy CPU seconds of the whole machine so far (every process, every core). */
export function machineCpuSeconds(): number | undefined {
  try {
    return parseMachineBusySeconds(readFileSync('/proc/stat', 'utf8'), clockTicks());
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes now (VmRSS). */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The highest RSS seen while it runs, sampled every `everyMs` (VmHWM would be since the process
 * started). Of several processes: the peak of their sum, sampled together.
 */
export class PeakRss {
  private peak: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: readonly number[],
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const each = this.pids.map(rssBytes);
    if (each.length === 0 || each.some((r) => r === undefined)) return;
    const sum = (each as number[]).reduce((a, b) => a + b, 0);
    this.peak = Math.max(this.peak ?? 0, sum);
  }

  stop(): number | undefined {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
