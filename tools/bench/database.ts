/**
 * The bench's database: a fresh throw-away database on the server of DATABASE_URL (created,
 * migrated, dropped at the end), or else an embedded PostgreSQL in the run's folder, in a child
 * process of its own (tools/chaos/postgres-host.ts), stopped by pid.
 */
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { READY_PREFIX, type PostgresHostReady } from '../chaos/postgres-host';
import { waitForExit, type ProcessRegistry } from '../dev-stack/processes';
import { projectRoot } from '../../src/runtime/paths';
import { freePort } from '../dev-stack/ports';
import { throwAwayDatabase } from '../dev-stack/postgres';

export interface BenchDatabase {
  url: string;
  kind: 'throw-away database on DATABASE_URL' | 'embedded PostgreSQL';
  stop(): Promise<void>;
}

export async function benchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const db = await throwAwayDatabase(serverUrl, `durable_orders_bench_${process.pid}_${Date.now()}`);
  return { url: db.url, kind: 'throw-away database on DATABASE_URL', stop: db.drop };
}

export async function embeddedDatabase(registry: ProcessRegistry, runDir: string): Promise<BenchDatabase> {
  const fd = openSync(path.join(runDir, 'postgres.log'), 'a');
  const child = registry.spawn(
    'postgres-host',
    process.execPath,
    [
      path.join(projectRoot(), 'dist/tools/chaos/postgres-host.js'),
      '--data-dir',
      path.join(runDir, 'pg'),
      '--port',
      String(await freePort()),
      '--database',
      'bench',
    ],
    { stdio: ['pipe', 'pipe', fd], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  closeSync(fd);
  const ready = await new Promise<PostgresHostReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('PostgreSQL did not start within 90 s')), 90_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith(READY_PREFIX)) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(READY_PREFIX.length)) as PostgresHostReady);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL host exited with ${code} before it was ready (see ${runDir}/postgres.log)`));
    });
  }).catch(async (err: unknown) => {
    await registry.stop(child.pid!);
    throw err;
  });
  registry.record('postgres', ready.postmasterPid);
  return {
    url: ready.url,
    kind: 'embedded PostgreSQL',
    stop: async () => {
      // The host stops PostgreSQL (fast shutdown) and exits; the postmaster is then waited for by id.
      await registry.stop(child.pid!, 30_000);
      if (!(await waitForExit(ready.postmasterPid, 15_000))) await registry.kill(ready.postmasterPid);
      else await registry.stop(ready.postmasterPid);
    },
  };
}
