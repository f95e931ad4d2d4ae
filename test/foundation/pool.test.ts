import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Client, type DatabaseError, type Pool } from 'pg';
import { loadConfig, poolTimeouts } from '../../src/config';
import { createPool, inTransaction } from '../../src/db/pool';

/**
 * The pool bounds every wait on PostgreSQL, so an activity fails (and Temporal retries it)
 * instead of hanging, and a connection left in an unknown state is never reused.
 */

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run tests through jest (global setup provides it)');
  return url;
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never sends a byte, like a black-holed
 * PostgreSQL. With `handshake`, it completes the startup (AuthenticationOk, ReadyForQuery) first, so
 * the connection opens and then every query goes unanswered.
 */
async function silentServer(handshake = false): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (handshake) {
      socket.once('data', () => {
        const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]); // 'R', length 8, AuthenticationOk
        const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // 'Z', length 5, idle
        socket.write(Buffer.concat([authOk, ready]));
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgres://nobody@127.0.0.1:${port}/nothing`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** How long `promise` took to reject, and with what; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<{ err: Error & Partial<DatabaseError>; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (err) {
    return { err: err as Error & Partial<DatabaseError>, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

describe('a black-holed PostgreSQL', () => {
  test('a query fails within the connect timeout', async () => {
    const server = await silentServer();
    const pool = createPool(server.url, 1, { connectTimeoutMs: 500 });
    try {
      const { err, ms } = await rejection(pool.query('SELECT 1'));
      expect(err.message).toMatch(/timeout/i);
      expect(ms).toBeGreaterThanOrEqual(400);
      expect(ms).toBeLessThan(3_000);
    } finally {
      await pool.end();
      await server.close();
    }
  });

  test('a query on an open connection that goes silent fails at the client-side query timeout, and the client is destroyed', async () => {
    const server = await silentServer(true);
    const pool = createPool(server.url, 1, { statementTimeoutMs: 300 }); // query timeout 2.3 s
    try {
      const { err, ms } = await rejection(inTransaction(pool, (db) => db.query('SELECT 1')));
      expect(err.message).toBe('Query read timeout');
      expect(ms).toBeGreaterThanOrEqual(2_000);
      expect(ms).toBeLessThan(5_000);
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
      await server.close();
    }
  });
});

describe('on a real PostgreSQL', () => {
  let pool: Pool | undefined;
  afterEach(async () => {
    await pool?.end();
    pool = undefined;
  });

  test('connections get the configured statement and lock timeouts (defaults: 15 s and 5 s)', async () => {
    expect(poolTimeouts(loadConfig({}))).toEqual({
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 15_000,
      lockTimeoutMs: 5_000,
    });
    pool = createPool(databaseUrl(), 1, poolTimeouts(loadConfig({})));
    const statement = await pool.query('SHOW statement_timeout');
    const lock = await pool.query('SHOW lock_timeout');
    expect([statement.rows[0]?.statement_timeout, lock.rows[0]?.lock_timeout]).toEqual(['15s', '5s']);
  });

  test('the statement timeout cancels a long statement (57014)', async () => {
    pool = createPool(databaseUrl(), 1, { statementTimeoutMs: 300 });
    const { err, ms } = await rejection(pool.query('SELECT pg_sleep(5)'));
    expect(err.code).toBe('57014');
    expect(ms).toBeLessThan(3_000);
  });

  test('the lock timeout ends a wait for a row another session holds (55P03)', async () => {
    const table = `pool_lock_${randomUUID().slice(0, 8)}`;
    const holder = new Client({ connectionString: databaseUrl() });
    await holder.connect();
    pool = createPool(databaseUrl(), 1, { lockTimeoutMs: 300 });
    try {
      await holder.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
      await holder.query(`INSERT INTO ${table} VALUES (1)`);
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
      const { err, ms } = await rejection(
        inTransaction(pool, (db) => db.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`)),
      );
      expect(err.code).toBe('55P03');
      expect(ms).toBeLessThan(3_000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.query(`DROP TABLE IF EXISTS ${table}`);
      await holder.end();
    }
  });

  test('a failed transaction destroys its client; a business failure keeps it', async () => {
    pool = createPool(databaseUrl(), 1, { statementTimeoutMs: 10_000, queryTimeoutMs: 300 });
    const pidOf = async (p: Pool) => (await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

    const first = await pidOf(pool);
    await expect(
      inTransaction(pool, () => Promise.reject(ApplicationFailure.nonRetryable('no stock', 'OutOfStock'))),
    ).rejects.toThrow('no stock');
    expect(pool.totalCount).toBe(1);
    expect(await pidOf(pool)).toBe(first);

    // The client-side timeout fires while the server still sleeps: that connection is not reusable.
    const { err } = await rejection(inTransaction(pool, (db) => db.query('SELECT pg_sleep(2)')));
    expect(err.message).toBe('Query read timeout');
    expect(pool.totalCount).toBe(0);
    const replacement = await pidOf(pool);
    expect(replacement).not.toBe(first);

    // An SQL error: rolled back, and the client is replaced as well.
    await expect(inTransaction(pool, (db) => db.query('SELECT 1/0'))).rejects.toMatchObject({ code: '22012' });
    expect(pool.totalCount).toBe(0);
    expect(await pidOf(pool)).not.toBe(replacement);
  });
});
