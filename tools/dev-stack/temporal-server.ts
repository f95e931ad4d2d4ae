import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags } from '../../src/runtime/search-attributes';

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  port: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file for persistent history; omit for an in-memory server (tests). */
  dbFile?: string;
  namespace: string;
  /** Codec server for the Web UI (`--ui-codec-endpoint`): the UI then shows decrypted payloads. */
  uiCodecEndpoint?: string;
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface RunningDevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/** Polls until the frontend answers and our namespace exists; gives up when the process dies. */
async function waitUntilReady(address: string, namespace: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited early with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const SQLITE_PRAGMAS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];

/**
 * The history service reads new transfer tasks (an activity or workflow task to hand to matching)
 * at most 20 times a second by default, so every step of a lone workflow waited ~45 ms for its
 * task to reach a waiting poller. Reading as soon as a task is written took a one-line order's
 * p50 at concurrency 1 from 0.98 s to 0.39 s here (docs/benchmarks.md); under load reads batch anyway.
 */
export const DISPATCH_LATENCY_CONFIG = { 'history.transferProcessorMaxPollRPS': 1000 } as const;

/**
 * The dev server re-reads its search attribute definitions from SQLite on every use (an upsert, a
 * visibility write), so that attributes added while it runs are seen at once: about 4 % of its CPU
 * under load here. Ours are created with the namespace, before it serves (`--search-attribute`),
 * so its ordinary cache, refreshed each minute, is never stale for them.
 */
const DEV_SERVER_CONFIG = { ...DISPATCH_LATENCY_CONFIG, 'system.forceSearchAttributesCacheRefreshOnRead': false };
const DYNAMIC_CONFIG = Object.entries(DEV_SERVER_CONFIG).flatMap(([key, value]) => [
  '--dynamic-config-value',
  `${key}=${value}`,
]);

/** Starts `temporal server start-dev` with the project's search attributes and waits until it serves. */
export async function startDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port), '--namespace', opts.namespace];
  args.push(...searchAttributeFlags(), ...DYNAMIC_CONFIG, '--log-level', 'warn', '--log-format', 'json');
  if (opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.uiPort !== undefined && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    // WAL with synchronous=normal: commits stop waiting for an fsync of the log each time, which
    // doubled the dev server's throughput here. Durable across a crash of the server process; a
    // crash of the machine (power loss) can lose the last commits (docs/choices.md).
    args.push('--db-filename', opts.dbFile, ...SQLITE_PRAGMAS);
  }
  // Own process group: a terminal Ctrl-C reaches us, not the server, so workers drain before it stops.
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Last resort if this process dies without stopping the server: never leave it orphaned.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const log = opts.onLog ?? (() => undefined);
  child.stdout?.on('data', (d: Buffer) => log(d.toString().trimEnd()));
  child.stderr?.on('data', (d: Buffer) => log(d.toString().trimEnd()));
  const address = `${ip}:${opts.port}`;
  try {
    await waitUntilReady(address, opts.namespace, child, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort === undefined ? undefined : `http://localhost:${opts.uiPort}`,
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
  };
}
