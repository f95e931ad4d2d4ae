/**
 * The operator commands that work on PostgreSQL directly (catalog, plans): one small pool per
 * command, checked before use so an unreachable database is one clear message.
 */
import type { Pool } from 'pg';
import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { operational } from './errors';

function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`; // never the password
  } catch {
    return 'DATABASE_URL';
  }
}

export async function withPool<T>(fn: (pool: Pool) => Promise<T>): Promise<T> {
  const url = loadConfig().DATABASE_URL;
  if (!url) {
    throw operational(
      'DATABASE_URL is not set: the catalog and plans commands read and write PostgreSQL directly.\n' +
        'Set it to the database `npm start` prints (e.g. DATABASE_URL=postgres://postgres:postgres@localhost:5433/orders).',
    );
  }
  const pool = createPool(url, 1);
  try {
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      throw operational(
        `Cannot reach PostgreSQL at ${where(url)} (${(err as Error).message}). Start the stack with \`npm start\`, or fix DATABASE_URL.`,
      );
    }
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
