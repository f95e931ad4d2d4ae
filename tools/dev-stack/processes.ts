/**
 * Every process the chaos runner, the bench and the cluster start, by process id: recorded when started, stopped by id
 * (SIGTERM, then SIGKILL after a grace period), and checked dead at the end. Nothing is ever
 * stopped by name, so processes of other runs and other users are never touched.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ProcessRecord {
  /** What it is: `worker:payments`, `temporal`, `postgres-host`, `postgres`. */
  name: string;
  pid: number;
  startedAt: string;
  /** Set once the process is seen gone. */
  endedAt?: string;
  /** How it ended, when we ended it. */
  endedBy?: 'stop' | 'kill' | 'exit';
  /** For processes spawned here: how they exited. */
  exitCode?: number | null;
  signal?: string | null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal (a postgres running as its own user is still ours to stop as root).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until `pid` is gone; true when it went within `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

export class ProcessRegistry {
  readonly records: ProcessRecord[] = [];
  private readonly children = new Map<number, ChildProcess>();

  /** Records a process someone else spawned (the dev server launcher, the postmaster). */
  record(name: string, pid: number): ProcessRecord {
    const rec: ProcessRecord = { name, pid, startedAt: new Date().toISOString() };
    this.records.push(rec);
    return rec;
  }

  /** Spawns and records; the exit is noted on the record. */
  spawn(name: string, command: string, args: string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, args, options);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const rec = this.record(name, child.pid);
    this.children.set(child.pid, child);
    child.once('exit', (code, signal) => {
      Object.assign(rec, { exitCode: code, signal });
      rec.endedAt ??= new Date().toISOString();
      rec.endedBy ??= 'exit';
      this.children.delete(rec.pid);
    });
    return child;
  }

  /** Reaps (for spawned children) or polls (for recorded pids) until `pid` is gone. */
  private async gone(pid: number, timeoutMs: number): Promise<boolean> {
    const child = this.children.get(pid);
    if (child && child.exitCode === null && child.signalCode === null) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    }
    return waitForExit(pid, timeoutMs);
  }

  private mark(pid: number, by: 'stop' | 'kill'): void {
    for (const rec of this.records)
      if (rec.pid === pid && !rec.endedAt) Object.assign(rec, { endedAt: new Date().toISOString(), endedBy: by });
  }

  /** Notes why a process is about to end, before the signal (its exit event may come first). */
  private intend(pid: number, by: 'stop' | 'kill'): void {
    for (const rec of this.records) if (rec.pid === pid && !rec.endedAt) rec.endedBy = by;
  }

  /** SIGKILL, then wait until it is gone (a crash, as the fault injector wants it). */
  async kill(pid: number): Promise<void> {
    if (isAlive(pid)) {
      this.intend(pid, 'kill');
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.gone(pid, 10_000);
    this.mark(pid, 'kill');
  }

  /** SIGTERM (a graceful stop), SIGKILL after `graceMs`. */
  async stop(pid: number, graceMs = 10_000): Promise<void> {
    if (!isAlive(pid)) return this.mark(pid, 'stop');
    this.intend(pid, 'stop');
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return this.mark(pid, 'stop');
    }
    if (!(await this.gone(pid, graceMs))) return this.kill(pid);
    this.mark(pid, 'stop');
  }

  /** Recorded processes still running. */
  alive(): ProcessRecord[] {
    return this.records.filter((r) => isAlive(r.pid));
  }

  /** Last resort (failure, interrupt): SIGKILL every recorded process still running, newest first. */
  async killAll(): Promise<void> {
    // A record seen ended is skipped: its pid may since belong to someone else.
    for (const rec of [...this.records].reverse()) if (!rec.endedAt && isAlive(rec.pid)) await this.kill(rec.pid);
  }
}
