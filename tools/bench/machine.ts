/** What the numbers were measured on: printed into docs/benchmarks.md next to them. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Pool } from 'pg';
import { TEMPORAL_CLI_VERSION } from '../dev-stack/temporal-cli';

export interface Machine {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  temporalCli?: string;
  postgres?: string;
  /** 1-minute load average when the run started and when it ended: a busy machine shows here. */
  loadAverage?: { atStart: number; atEnd?: number };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: os.cpus() below
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/**
 * The CLI's release tag when it is the project's cached build (whose `--version` says 0.0.0-DEV,
 * as every `go install` build does), else what `temporal --version` says.
 */
function temporalCli(cliPath: string | undefined): string | undefined {
  if (!cliPath) return undefined;
  if (cliPath.includes(`/${TEMPORAL_CLI_VERSION}/`)) return TEMPORAL_CLI_VERSION;
  try {
    return execFileSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 10_000 })
      .trim()
      .replace(/^temporal version /, '');
  } catch {
    return undefined;
  }
}

export function loadNow(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}

export async function describeMachine(opts: { cliPath?: string; pool?: Pool }): Promise<Machine> {
  let postgres: string | undefined;
  if (opts.pool) {
    const { rows } = await opts.pool.query<{ version: string }>('SELECT version()');
    postgres = rows[0]?.version.replace(/ on .*$/, '');
  }
  return {
    cpuModel: cpuModel(),
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    ...(opts.cliPath ? { temporalCli: temporalCli(opts.cliPath) } : {}),
    ...(postgres ? { postgres } : {}),
    loadAverage: { atStart: loadNow() },
  };
}
