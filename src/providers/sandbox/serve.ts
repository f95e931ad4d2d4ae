/**
 * Runs one sandbox provider's API as a process of its own (`npm run sandbox-payments`,
 * `npm run sandbox-carrier`, `npm run sandbox-mail`; `npm start` starts each, `npm run cluster` the
 * first two): its pool on DATABASE_URL, its server on the given port, stopped on SIGINT/SIGTERM.
 */
import type { Pool } from 'pg';
import { loadConfig, poolTimeouts, type Config } from '../../config';
import { createPool } from '../../db/pool';
import type { Listening } from '../../runtime/http-listen';
import { closeOnSignals } from '../../runtime/shutdown';

export function serveSandbox(what: string, start: (pool: Pool, config: Config) => Promise<Listening>): void {
  const main = async () => {
    const config = loadConfig();
    if (!config.DATABASE_URL) throw new Error(`DATABASE_URL is not set: the ${what} keeps its records in PostgreSQL.`);
    const pool = createPool(config.DATABASE_URL, config.PAYMENTS_BULKHEAD_LIMIT, poolTimeouts(config));
    const api = await start(pool, config);
    console.log(`${what} API on ${api.url}`);
    closeOnSignals(
      () => api.stop(),
      () => pool.end(),
    );
  };
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
