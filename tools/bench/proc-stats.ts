/**
 * CPU time and memory of a process by id, and the whole machine's CPU time, from Linux's /proc:
 * what the bench reports for the worker process, the Temporal server when it started one, and
 * everything on the machine (PostgreSQL and the bench itself included). Elsewhere every reading
 * is undefined and the report says n/a.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

/** User + system CPU seconds the process (all its threads) has used so far. */
export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clockTicks();
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

/** The highest RSS seen while it runs, sampled every `everyMs` (VmHWM would be since the process started). */
export class PeakRss {
  private peak: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const rss = rssBytes(this.pid);
    if (rss !== undefined) this.peak = Math.max(this.peak ?? 0, rss);
  }

  stop(): number | undefined {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
