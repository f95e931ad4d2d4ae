/**
 * Temporal's schema on PostgreSQL, by the release's own `temporal-sql-tool` and schema files: each
 * database is created when missing, versioned from 0.0 on first use (`setup-schema`), then brought
 * to the newest version the files describe (`update-schema`, a no-op when current). Running it on
 * every start is how an upgrade of the server binary upgrades the schema.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { createDatabaseIfMissing } from '../dev-stack/postgres';
import type { ClusterDatabases } from './server-config';
import type { ServerBuild } from './server-build';

/** The databases of a PostgreSQL URL's server (its own database is only where we connect to create them). */
export function clusterDatabases(serverUrl: string, prefix: string): ClusterDatabases {
  const url = new URL(serverUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
    main: prefix,
    visibility: `${prefix}_visibility`,
  };
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function runSqlTool(build: ServerBuild, db: ClusterDatabases, database: string, args: string[]): Promise<void> {
  const common = ['--plugin', 'postgres12', '--endpoint', db.host, '--port', String(db.port), '--user', db.user];
  common.push('--password', db.password, '--database', database);
  return new Promise((resolve, reject) => {
    const child = spawn(build.sqlTool, [...common, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`temporal-sql-tool ${args[0]} on ${database} exited ${code}:\n${output.trim().slice(-2000)}`),
          ),
    );
  });
}

async function isVersioned(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT to_regclass('public.schema_version') IS NOT NULL AS versioned`);
    return rows[0].versioned as boolean;
  } finally {
    await client.end();
  }
}

/** Creates, sets up and updates both databases; safe to run on every start. */
export async function ensureTemporalSchema(build: ServerBuild, serverUrl: string, db: ClusterDatabases): Promise<void> {
  for (const [database, dir] of [
    [db.main, 'temporal'],
    [db.visibility, 'visibility'],
  ] as const) {
    await createDatabaseIfMissing(serverUrl, database);
    if (!(await isVersioned(databaseUrl(serverUrl, database))))
      await runSqlTool(build, db, database, ['setup-schema', '-v', '0.0']);
    await runSqlTool(build, db, database, ['update-schema', '-d', path.join(build.schemaDir, dir, 'versioned')]);
  }
}

/** Drops both databases (tests). */
export async function dropTemporalDatabases(serverUrl: string, db: ClusterDatabases): Promise<void> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const name of [db.main, db.visibility])
      await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
