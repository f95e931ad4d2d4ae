import { ApplicationFailure } from '@temporalio/common';
import { DatabaseError, Pool, type PoolClient } from 'pg';

import { logger } from '../logger';

/** Each in milliseconds; 0 turns that limit off. */
export interface PoolTimeouts {
  /** Opening a connection (TCP + startup) and waiting for a free pool slot. */
  connectTimeoutMs?: number;
  /** Server-side `statement_timeout`: PostgreSQL cancels a statement running longer (SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** Server-side `lock_timeout`: a statement waiting longer for a lock fails (SQLSTATE 55P03). */
  lockTimeoutMs?: number;
  /**
   * Client-side limit on one query. The server-side timeouts need a server that answers; this one
   * ends a query on a black-holed connection. Default: the statement timeout plus 2 s (off with it).
   */
  queryTimeoutMs?: number;
  /** An idle pooled connection is closed after this. */
  idleTimeoutMs?: number;
}

/** Sensible for activities: every step is a few short statements, and Temporal retries a failure. */
export const POOL_DEFAULTS = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  lockTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
} as const;

/** Margin of the client-side query timeout over the server's statement timeout, so the server's answer wins. */
const QUERY_TIMEOUT_MARGIN_MS = 2_000;

/**
 * A pool whose every wait is bounded. Timeouts surface as plain Errors, which Temporal retries:
 * an unreachable or slow database is infrastructure, not a business outcome.
 */
export function createPool(url: string, max = 10, timeouts: PoolTimeouts = {}): Pool {
  const t = { ...POOL_DEFAULTS, ...timeouts };
  const pool = new Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: t.connectTimeoutMs,
    idleTimeoutMillis: t.idleTimeoutMs,
    statement_timeout: t.statementTimeoutMs,
    lock_timeout: t.lockTimeoutMs,
    query_timeout: t.queryTimeoutMs ?? (t.statementTimeoutMs > 0 ? t.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS : 0),
    // Notices a peer that vanished without closing (a dead host, a dropped NAT entry).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle connection dropped by the server (restart, shutdown) must not crash the process.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  // pg-pool's own idle listener removes itself after the first error, and a client checked out when
  // the server goes away emits 'error' with no listener: both would crash the worker on a
  // PostgreSQL restart. A listener per client for its whole life keeps it to a failed query.
  pool.on('connect', (client) =>
    client.on('error', (err) => logger.warn({ err: err.message }, 'PostgreSQL connection lost')),
  );
  return pool;
}

/**
 * Runs `fn` in one transaction; rolls back on any error. A client on which a query failed is
 * released with the error, so the pool destroys it instead of handing out a connection in an
 * unknown state (a client-side timeout leaves the server still busy with the query). A ROLLBACK is
 * sent only where the server is known to answer: after a business failure thrown by `fn` (the
 * connection is then kept) and after an SQL error. On a silent connection it would wait out its own
 * timeout, and closing the connection rolls back anyway.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    const business = err instanceof ApplicationFailure;
    const rolledBack =
      (business || err instanceof DatabaseError) &&
      (await client.query('ROLLBACK').then(
        () => true,
        () => false,
      ));
    if (!(business && rolledBack)) broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}
