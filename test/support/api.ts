/**
 * The Orders API of a test's own stack, listening on loopback, and staff sessions for the `orders`
 * CLI it spawns (ORDERS_API_URL and ORDERS_API_TOKEN in the CLI's environment): its placements
 * and decisions go through the API.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { buildApi, type ApiDeps } from '../../src/api/server';
import { addStaffUser, type StaffRole } from '../../src/api/staff';
import { runSigningKey } from './decisions';
import { testSettings, testVault } from './orders';
import type { TestWorkers } from './workers';

export interface TestApi {
  url: string;
  app: FastifyInstance;
  /** A session token of `username` (made with `role` unless it exists): what `orders login` would keep. */
  tokenFor(username: string, role?: StaffRole): Promise<string>;
  /** The CLI's environment to decide as `username`. */
  cliAs(username: string, role?: StaffRole): Promise<NodeJS.ProcessEnv>;
  stop(): Promise<void>;
}

/** The Orders API on `stack`, not listening (Fastify's inject drives it): the test run's vault, settings and key. */
export function buildTestApi(stack: TestWorkers, extra: Partial<ApiDeps> = {}): Promise<FastifyInstance> {
  return buildApi({
    client: stack.client,
    pool: stack.pool,
    vault: testVault(),
    settings: testSettings(),
    taskQueuePrefix: stack.prefix,
    maxInFlight: 0,
    signing: runSigningKey(),
    ...extra,
  });
}

/** A session token of `username` (made with `role` unless it exists): what `orders login` would keep. */
export async function sessionToken(pool: Pool, username: string, role: StaffRole = 'approver'): Promise<string> {
  await addStaffUser(pool, username, role); // undefined when it exists: this run's user already
  const token = `dos_${randomBytes(32).toString('base64url')}`;
  await pool.query(
    `INSERT INTO staff_sessions (token_sha256, username, csrf_token, expires_at) VALUES ($1, $2, 'test', now() + interval '1 hour')`,
    [createHash('sha256').update(token).digest(), username],
  );
  return token;
}

export async function startTestApi(stack: TestWorkers, extra: Partial<ApiDeps> = {}): Promise<TestApi> {
  const app = await buildTestApi(stack, extra);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const tokenFor = (username: string, role: StaffRole = 'approver') => sessionToken(stack.pool, username, role);
  return {
    url,
    app,
    tokenFor,
    cliAs: async (username, role) => ({ ORDERS_API_URL: url, ORDERS_API_TOKEN: await tokenFor(username, role) }),
    stop: () => app.close(),
  };
}
