/**
 * The sandbox payment provider's vault over HTTP, as `orders place` meets it: a token in, a
 * payment-method reference out, the same one for a repeated Idempotency-Key; bad requests get a
 * status and a message naming the field, never the value; and the CLI, when the API is down,
 * refuses to place the order (exit 1) and starts nothing.
 */
import type { Pool } from 'pg';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { createPool } from '../../src/db/pool';
import { freePort } from '../../tools/dev-stack/ports';
import { startSandboxPaymentsApi, type RunningPaymentsApi } from '../../src/providers/sandbox/payments-api';
import { TEST_ADDRESS } from '../support/cli';
import { uid } from '../support/orders';
import { runCli } from '../support/processes';

let pool: Pool;
let api: RunningPaymentsApi;
beforeAll(async () => {
  pool = createPool(process.env.DATABASE_URL!, 2);
  api = await startSandboxPaymentsApi({ provider: createSandboxPaymentProvider(pool), port: 0 });
});
afterAll(async () => {
  await api.stop();
  await pool.end();
});

function save(body: unknown, key: string | undefined = uid('place')) {
  return fetch(`${api.url}/v1/payment-methods`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  });
}

test('a token becomes a pm_ reference, stored once per idempotency key', async () => {
  const key = uid('place');
  const first = await save({ token: 'tok_ok' }, key);
  expect(first.status).toBe(201);
  const { id } = (await first.json()) as { id: string };
  expect(id).toMatch(/^pm_[a-f0-9]{24}$/);
  expect(await (await save({ token: 'tok_ok' }, key)).json()).toEqual({ id });
  const { rows } = await pool.query('SELECT id, token FROM sandbox_payment_methods WHERE idempotency_key = $1', [key]);
  expect(rows).toEqual([{ id, token: 'tok_ok' }]);
});

test('bad requests name the field and the rule, never echo a card number, and store nothing', async () => {
  const before = (await pool.query('SELECT count(*)::int AS n FROM sandbox_payment_methods')).rows[0].n;
  const pan = await save({ token: '4242 4242 4242 4242' });
  expect(pan.status).toBe(400);
  const panError = ((await pan.json()) as { error: string }).error;
  expect(panError).toBe('token: raw card numbers are not accepted (send a card token from the payment provider)');
  expect(await (await save({})).json()).toEqual({ error: 'token: is required' });
  expect((await save({ token: 'tok_ok' }, '')).status).toBe(400);
  expect((await fetch(`${api.url}/v1/payment-methods`)).status).toBe(405);
  expect((await pool.query('SELECT count(*)::int AS n FROM sandbox_payment_methods')).rows[0].n).toBe(before);
});

test('orders place with the payments API down: exit 1, a message saying where it looked, no workflow', async () => {
  const orderId = uid('nopay');
  const down = `http://127.0.0.1:${await freePort()}`;
  const placed = await runCli(
    [
      'place',
      '--customer',
      'cust-1',
      '--item',
      'SKU-X:1',
      '--ship-to',
      JSON.stringify(TEST_ADDRESS),
      '--token',
      'tok_ok',
      '--order-id',
      orderId,
    ],
    { ...process.env, PAYMENTS_URL: down },
  );
  expect(placed.code).toBe(1);
  expect(placed.stderr).toContain(`Cannot reach the payments API at ${down}`);
  expect(placed.stderr).toContain('nothing was started');
  const described = await runCli(['status', orderId], process.env);
  expect(described.code).toBe(2);
  expect(described.stderr).toContain(`order ${orderId} not found`);
});
