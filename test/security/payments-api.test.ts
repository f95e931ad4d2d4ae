/**
 * The sandbox payment provider's vault over HTTP, as `orders place` meets it: a token in, a
 * payment-method reference out, the same one for a repeated Idempotency-Key; bad requests get a
 * status and a message naming the field, never the value. (With the vault down, the Orders API
 * refuses a placement: test/api/orders-api.test.ts.)
 */
import type { Pool } from 'pg';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { createPool } from '../../src/db/pool';
import { startSandboxPaymentsApi, type RunningPaymentsApi } from '../../src/providers/sandbox/payments-api';
import { uid } from '../support/orders';

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
