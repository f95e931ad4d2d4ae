/**
 * One Temporal server process running all four services (frontend, history, matching, worker) on
 * PostgreSQL, from the release's config with our databases and ports. After it serves: the
 * namespace is registered (the full server, unlike the dev server, starts with none) and the
 * project's search attributes are added; both are idempotent, so a restart finds them in place.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSearchAttributes } from '../../src/runtime/search-attributes';
import type { ProcessRegistry } from '../dev-stack/processes';
import type { ServerBuild } from './server-build';
import { renderDynamicConfig, renderServerConfig, type ClusterDatabases, type ClusterPorts } from './server-config';

export interface ClusterServerOptions {
  build: ServerBuild;
  databases: ClusterDatabases;
  ports: ClusterPorts;
  namespace: string;
  /** Where the rendered config lives (and the server's log). */
  runDir: string;
  registry: ProcessRegistry;
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface ClusterServer {
  address: string;
  pid: number;
  metricsUrl: string;
}

const ENV_NAME = 'cluster';

function writeConfig(opts: ClusterServerOptions): string {
  const configDir = path.join(opts.runDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = path.join(configDir, 'dynamicconfig.yaml');
  const shippedDynamic = readFileSync(path.join(opts.build.configDir, 'dynamicconfig', 'development-sql.yaml'), 'utf8');
  writeFileSync(dynamicConfigFile, renderDynamicConfig(shippedDynamic, opts.ports));
  const shipped = readFileSync(path.join(opts.build.configDir, 'development-postgres12.yaml'), 'utf8');
  writeFileSync(
    path.join(configDir, `${ENV_NAME}.yaml`),
    renderServerConfig({ shipped, databases: opts.databases, ports: opts.ports, dynamicConfigFile }),
  );
  return configDir;
}

/** Registers the namespace unless it exists (3 days of retention, like the dev server's default). */
async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
      .catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // ALREADY_EXISTS: another starter won the race
      });
  }
}

/** Until the frontend answers, the namespace exists and is usable (its registry refreshes on a timer). */
async function waitUntilServing(
  opts: ClusterServerOptions,
  address: string,
  isRunning: () => boolean,
  tail: () => string,
) {
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isRunning()) throw new Error(`temporal server exited early:\n${tail()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await ensureNamespace(connection, opts.namespace);
        await ensureSearchAttributes(connection, opts.namespace);
        await connection.workflowService.listWorkflowExecutions({ namespace: opts.namespace, pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await sleep(500);
    }
  }
  throw new Error(`temporal server at ${address} not ready: ${String(lastError)}`);
}

export async function startClusterServer(opts: ClusterServerOptions): Promise<ClusterServer> {
  const configDir = writeConfig(opts);
  const args = ['--root', opts.runDir, '--config', path.relative(opts.runDir, configDir), '--env', ENV_NAME];
  args.push('--allow-no-auth', 'start');
  const child = opts.registry.spawn('temporal-server', opts.build.server, args, {
    cwd: opts.runDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = path.join(opts.runDir, 'server.log');
  const log = opts.onLog ?? (() => undefined);
  let recent = '';
  const append = (d: Buffer) => {
    writeFileSync(logFile, d, { flag: 'a' });
    recent = (recent + d.toString()).slice(-3_000);
    log(d.toString().trimEnd());
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const address = `127.0.0.1:${opts.ports.frontend}`;
  try {
    await waitUntilServing(
      opts,
      address,
      () => child.exitCode === null && child.signalCode === null,
      () => recent,
    );
  } catch (err) {
    await opts.registry.stop(child.pid!);
    throw err;
  }
  return { address, pid: child.pid!, metricsUrl: `http://127.0.0.1:${opts.ports.metrics}/metrics` };
}
