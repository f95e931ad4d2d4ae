import type { Pool } from 'pg';
import { createPaymentActivities } from '../../activities/payments/activities';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { type PaymentProvider } from '../../src/providers/payments';
import type { PaymentActivities } from '../../src/domain';
import { count, failureOf, testPool, uid } from './support';

let pool: Pool;
let pay: PaymentActivities;

beforeAll(() => {
  pool = testPool();
  pay = createPaymentActivities(pool);
});
afterAll(() => pool.end());

const WINDOW = 60_000;

/** Authorizes `amountCents` USD on the card `token`, vaulted first as placing an order does. */
async function authorizeCard(orderId: string, amountCents: number, token = 'tok_ok') {
  return pay.authorize({
    orderId,
    amountCents,
    currency: 'USD',
    paymentMethodId: await vaulted(token),
    windowMs: WINDOW,
  });
}

/** A card token exchanged at the sandbox provider's vault, as placing an order does. */
async function vaulted(token: string): Promise<string> {
  const provider = createSandboxPaymentProvider(pool);
  return (await provider.savePaymentMethod({ token, idempotencyKey: uid('place') })).paymentMethodId;
}

async function ops(
  orderId: string,
): Promise<Array<{ operation: string; status: string; amount_cents: string; provider_ref: string | null }>> {
  const { rows } = await pool.query(
    'SELECT operation, status, amount_cents, provider_ref FROM payment_operations WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows;
}

async function orderRow(orderId: string, status = 'PaymentPending'): Promise<void> {
  await pool.query(
    `INSERT INTO orders (order_id, customer_id, status, currency, subtotal_cents, shipping_cents, total_cents) VALUES ($1, 'c1', $2, 'USD', 5000, 0, 5000)`,
    [orderId, status],
  );
}

test('tok_ok: authorize and capture twice each leave one row each; capture moves the order to PaymentCompleted, then Processing', async () => {
  const orderId = uid('p');
  await orderRow(orderId, 'InventoryReserved');
  const req = { orderId, amountCents: 5000, currency: 'USD' };
  const a1 = await pay.authorize({ ...req, paymentMethodId: await vaulted('tok_ok'), windowMs: WINDOW });
  const a2 = await pay.authorize({ ...req, paymentMethodId: await vaulted('tok_ok'), windowMs: WINDOW });
  expect(a2).toEqual(a1);
  const c1 = await pay.capture(req);
  const c2 = await pay.capture(req);
  expect(c2).toEqual(c1);

  expect(await ops(orderId)).toEqual([
    { operation: 'authorize', status: 'approved', amount_cents: '5000', provider_ref: a1.authorizationId },
    { operation: 'capture', status: 'approved', amount_cents: '5000', provider_ref: c1.captureId },
  ]);
  const { rows } = await pool.query<{ ok: boolean }>(
    `SELECT expires_at BETWEEN now() + interval '50 seconds' AND now() + interval '70 seconds' AS ok FROM payment_operations WHERE idempotency_key = $1`,
    [`${orderId}:authorize`],
  );
  expect(rows[0]?.ok).toBe(true);
  // Paid, then being processed: both milestones in the read model's history, in order.
  expect((await pool.query('SELECT status FROM orders WHERE order_id = $1', [orderId])).rows[0].status).toBe(
    'Processing',
  );
  const history = await pool.query('SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY id', [
    orderId,
  ]);
  expect(history.rows.map((r) => r.status)).toEqual(['PaymentCompleted', 'Processing']);
  const outbox = await pool.query(`SELECT payload FROM outbox WHERE order_id = $1 AND event_type = 'PaymentCaptured'`, [
    orderId,
  ]);
  expect(outbox.rows).toEqual([{ payload: { orderId, amountCents: 5000, currency: 'USD' } }]);
});

test('the card token is stored by the provider’s vault only: never in our ledger, outbox or read model', async () => {
  const orderId = uid('p');
  const token = `tok_secret_${orderId}`;
  const paymentMethodId = await vaulted(token);
  await pay.authorize({ orderId, amountCents: 100, currency: 'USD', paymentMethodId, windowMs: WINDOW }); // unknown tokens are approved
  const like = [`%${token}%`];
  expect(await count(pool, `sandbox_payment_methods WHERE token = $1 AND id = $2`, [token, paymentMethodId])).toBe(1);
  expect(await count(pool, `payment_operations p WHERE row_to_json(p)::text LIKE $1`, like)).toBe(0);
  expect(await count(pool, `outbox o WHERE row_to_json(o)::text LIKE $1`, like)).toBe(0);
  expect(await count(pool, `orders o WHERE row_to_json(o)::text LIKE $1`, like)).toBe(0);
  expect(await count(pool, `sandbox_payments s WHERE row_to_json(s)::text LIKE $1`, like)).toBe(0);
});

test('the vault: a repeated idempotency key gets the same reference; an unknown reference is declined', async () => {
  const provider = createSandboxPaymentProvider(pool);
  const key = uid('place');
  const first = await provider.savePaymentMethod({ token: 'tok_ok', idempotencyKey: key });
  expect(first.paymentMethodId).toMatch(/^pm_[a-f0-9]{24}$/);
  expect(await provider.savePaymentMethod({ token: 'tok_ok', idempotencyKey: key })).toEqual(first);
  expect(await count(pool, `sandbox_payment_methods WHERE idempotency_key = $1`, [key])).toBe(1);
  // The key reused with another card is refused, as real providers refuse it, and stores nothing.
  expect(await failureOf(provider.savePaymentMethod({ token: 'tok_declined', idempotencyKey: key }))).toMatchObject({
    type: 'InvalidInput',
    nonRetryable: true,
  });
  expect(await count(pool, `sandbox_payment_methods WHERE idempotency_key = $1`, [key])).toBe(1);

  const orderId = uid('p');
  const req = { orderId, amountCents: 100, currency: 'USD', windowMs: WINDOW };
  expect(await failureOf(pay.authorize({ ...req, paymentMethodId: 'pm_000000000000000000000000' }))).toMatchObject({
    type: 'PaymentDeclined',
    nonRetryable: true,
  });
  expect(await failureOf(pay.authorize({ ...req, paymentMethodId: 'tok_ok' }))).toMatchObject({
    type: 'InvalidInput',
    message: 'paymentMethodId must be a payment-method reference (pm_…)',
  });
  expect(await ops(orderId)).toEqual([]);
});

test('tok_declined: PaymentDeclined (non-retryable), recorded once, and nothing can be captured', async () => {
  const orderId = uid('p');
  const req = { orderId, amountCents: 2500, currency: 'USD' };
  const first = await failureOf(
    pay.authorize({ ...req, paymentMethodId: await vaulted('tok_declined'), windowMs: WINDOW }),
  );
  expect(first.type).toBe('PaymentDeclined');
  expect(first.nonRetryable).toBe(true);
  const again = await failureOf(
    pay.authorize({ ...req, paymentMethodId: await vaulted('tok_declined'), windowMs: WINDOW }),
  );
  expect(again.type).toBe('PaymentDeclined');
  expect(await ops(orderId)).toEqual([
    { operation: 'authorize', status: 'declined', amount_cents: '2500', provider_ref: null },
  ]);

  const capture = await failureOf(pay.capture(req));
  expect(capture.nonRetryable).toBe(true);
  expect(capture.type).toBe('IllegalTransition');
  expect(await pay.void({ orderId })).toEqual({ voided: false });
  expect(await pay.refund({ orderId })).toEqual({ refundedCents: 0 });
  expect(await ops(orderId)).toHaveLength(1);
});

test('tok_flaky: the first answer is lost (retryable ProviderTimeout), the retry gets the same authorization', async () => {
  const orderId = uid('p');
  const input = {
    orderId,
    amountCents: 999,
    currency: 'USD',
    paymentMethodId: await vaulted('tok_flaky'),
    windowMs: WINDOW,
  };
  const lost = await failureOf(pay.authorize(input));
  expect(lost.type).toBe('ProviderTimeout');
  expect(lost.nonRetryable).toBe(false);
  // The provider authorized; our ledger has nothing yet (the answer was lost).
  const { rows } = await pool.query<{ provider_ref: string }>(
    `SELECT provider_ref FROM sandbox_payments WHERE order_id = $1 AND operation = 'authorize' AND status = 'approved'`,
    [orderId],
  );
  expect(rows).toHaveLength(1);
  expect(await ops(orderId)).toEqual([]);

  const retry = await pay.authorize(input);
  expect(retry.authorizationId).toBe(rows[0]?.provider_ref);
  expect(await ops(orderId)).toEqual([
    { operation: 'authorize', status: 'approved', amount_cents: '999', provider_ref: rows[0]?.provider_ref },
  ]);
  expect(await count(pool, `payment_operations WHERE order_id = $1 AND operation = 'authorize'`, [orderId])).toBe(1);
});

test('a provider that loses its answer is asked again with the same key, and one row is recorded', async () => {
  // A provider outside the ledger (like a real processor): it dedupes by key on its side.
  const seen: string[] = [];
  let calls = 0;
  const remote: PaymentProvider = {
    savePaymentMethod: async () => ({ paymentMethodId: 'pm_remote' }),
    async authorize(req) {
      seen.push(req.idempotencyKey);
      if (++calls === 1) throw new Error('socket hang up');
      return { status: 'approved', authorizationId: `remote-${req.idempotencyKey}`, expiresAt: null };
    },
    capture: async (req) => ({ providerRef: `cap-${req.idempotencyKey}` }),
    void: async (req) => ({ providerRef: `void-${req.idempotencyKey}` }),
    refund: async (req) => ({ providerRef: `ref-${req.idempotencyKey}` }),
    find: async () => undefined,
  };
  const acts = createPaymentActivities(pool, remote);
  const orderId = uid('p');
  const input = {
    orderId,
    amountCents: 700,
    currency: 'USD',
    paymentMethodId: await vaulted('tok_ok'),
    windowMs: WINDOW,
  };
  await expect(acts.authorize(input)).rejects.toThrow('socket hang up');
  expect(await ops(orderId)).toEqual([]);
  expect(await acts.authorize(input)).toEqual({ authorizationId: `remote-${orderId}:authorize` });
  expect(await acts.authorize(input)).toEqual({ authorizationId: `remote-${orderId}:authorize` });
  expect(seen).toEqual([`${orderId}:authorize`, `${orderId}:authorize`]);
  expect(await ops(orderId)).toHaveLength(1);
  expect(await acts.capture({ orderId, amountCents: 700, currency: 'USD' })).toEqual({
    captureId: `cap-${orderId}:capture`,
  });
});

test('void before capture voids once; capture after a void is refused', async () => {
  const orderId = uid('p');
  await authorizeCard(orderId, 300, 'tok_ok');
  expect(await pay.void({ orderId })).toEqual({ voided: true });
  expect(await pay.void({ orderId })).toEqual({ voided: true });
  expect((await ops(orderId)).map((o) => o.operation)).toEqual(['authorize', 'void']);
  const capture = await failureOf(pay.capture({ orderId, amountCents: 300, currency: 'USD' }));
  expect(capture).toMatchObject({ type: 'AuthorizationVoided', nonRetryable: true });
  expect((await ops(orderId)).map((o) => o.operation)).toEqual(['authorize', 'void']);
});

test('void after capture is a no-op; void with nothing authorized is a no-op', async () => {
  const orderId = uid('p');
  await authorizeCard(orderId, 300, 'tok_ok');
  await pay.capture({ orderId, amountCents: 300, currency: 'USD' });
  expect(await pay.void({ orderId })).toEqual({ voided: false });
  expect((await ops(orderId)).map((o) => o.operation)).toEqual(['authorize', 'capture']);
  expect(await pay.void({ orderId: uid('nothing') })).toEqual({ voided: false });
});

test('refund returns the captured amount once; without a capture it returns 0', async () => {
  const orderId = uid('p');
  await orderRow(orderId);
  await authorizeCard(orderId, 4200, 'tok_ok');
  expect(await pay.refund({ orderId })).toEqual({ refundedCents: 0 }); // authorized only: nothing to give back
  await pay.capture({ orderId, amountCents: 4000, currency: 'USD' }); // partial capture
  expect(await pay.refund({ orderId })).toEqual({ refundedCents: 4000 });
  expect(await pay.refund({ orderId })).toEqual({ refundedCents: 4000 });
  const refunds = (await ops(orderId)).filter((o) => o.operation === 'refund');
  expect(refunds).toEqual([
    { operation: 'refund', status: 'approved', amount_cents: '4000', provider_ref: expect.any(String) },
  ]);
  expect(await count(pool, `outbox WHERE order_id = $1 AND event_type = 'PaymentRefunded'`, [orderId])).toBe(1);
  expect(await pay.refund({ orderId: uid('nothing') })).toEqual({ refundedCents: 0 });
});

test('partial refunds add up to the capture at most, the full refund included, at both ends', async () => {
  const orderId = uid('p');
  await orderRow(orderId);
  await authorizeCard(orderId, 5000, 'tok_ok');
  await pay.capture({ orderId, amountCents: 5000, currency: 'USD' });
  expect(await pay.refundPart({ orderId, part: 'undelivered', amountCents: 1200 })).toEqual({ refundedCents: 1200 });
  expect(await pay.refundPart({ orderId, part: 'undelivered', amountCents: 1200 })).toEqual({ refundedCents: 1200 });
  // The rest: what the part left.
  expect(await pay.refund({ orderId })).toEqual({ refundedCents: 5000 });
  // Nothing is left now: another part is refused, here and at the provider.
  expect(await failureOf(pay.refundPart({ orderId, part: 'goodwill', amountCents: 1 }))).toMatchObject({
    type: 'RefundExceedsCapture',
    nonRetryable: true,
  });
  expect((await ops(orderId)).filter((o) => o.operation === 'refund').map((o) => Number(o.amount_cents))).toEqual([
    1200, 3800,
  ]);
  const { rows } = await pool.query<{ amount_cents: string }>(
    `SELECT amount_cents FROM sandbox_payments WHERE order_id = $1 AND operation = 'refund' ORDER BY created_at`,
    [orderId],
  );
  expect(rows.map((r) => Number(r.amount_cents))).toEqual([1200, 3800]);
});

test('capture after the payment window is AuthorizationExpired (non-retryable)', async () => {
  const orderId = uid('p');
  await pay.authorize({
    orderId,
    amountCents: 100,
    currency: 'USD',
    paymentMethodId: await vaulted('tok_ok'),
    windowMs: 1,
  });
  await new Promise((r) => setTimeout(r, 50));
  const failure = await failureOf(pay.capture({ orderId, amountCents: 100, currency: 'USD' }));
  expect(failure).toMatchObject({ type: 'AuthorizationExpired', nonRetryable: true });
  expect((await ops(orderId)).map((o) => o.operation)).toEqual(['authorize']);
});

test('capture without an authorization, or above it, is refused', async () => {
  expect(await failureOf(pay.capture({ orderId: uid('p'), amountCents: 100, currency: 'USD' }))).toMatchObject({
    type: 'IllegalTransition',
    nonRetryable: true,
  });
  const orderId = uid('p');
  await authorizeCard(orderId, 100, 'tok_ok');
  expect(await failureOf(pay.capture({ orderId, amountCents: 101, currency: 'USD' }))).toMatchObject({
    type: 'InvalidInput',
    nonRetryable: true,
  });
  expect(await failureOf(pay.capture({ orderId, amountCents: 100, currency: 'EUR' }))).toMatchObject({
    type: 'InvalidInput',
    nonRetryable: true,
  });
});

// ---------------------------------------------------------------------------------------------
// The provider's record is the truth when our ledger missed an answer; capture and void race safely.
// ---------------------------------------------------------------------------------------------

const sandbox = () => createSandboxPaymentProvider(pool, { slowMs: 400 });

async function sandboxOps(orderId: string): Promise<string[]> {
  const { rows } = await pool.query<{ operation: string }>(
    'SELECT operation FROM sandbox_payments WHERE order_id = $1 ORDER BY created_at, operation',
    [orderId],
  );
  return rows.map((r) => r.operation);
}

test('void finds an authorization whose answer was lost (known only to the provider) and voids it', async () => {
  const orderId = uid('p');
  // The provider authorized, but our ledger never heard of it (the answer timed out).
  await sandbox().authorize({
    idempotencyKey: `${orderId}:authorize`,
    orderId,
    amountCents: 1_500,
    currency: 'USD',
    paymentMethodId: await vaulted('tok_ok'),
    windowMs: WINDOW,
  });
  expect(await ops(orderId)).toEqual([]);
  expect(await pay.void({ orderId })).toEqual({ voided: true });
  expect((await ops(orderId)).map((o) => o.operation)).toEqual(['authorize', 'void']);
  expect(await sandboxOps(orderId)).toEqual(['authorize', 'void']);
  // And the voided authorization can no longer be captured, at the provider either.
  expect(await failureOf(pay.capture({ orderId, amountCents: 1_500, currency: 'USD' }))).toMatchObject({
    type: 'AuthorizationVoided',
  });
});

test('refund finds a capture whose answer was lost and refunds exactly it; void of it answers captured', async () => {
  const orderId = uid('p');
  await orderRow(orderId);
  const { authorizationId } = await authorizeCard(orderId, 2_200, 'tok_ok');
  await sandbox().capture({
    idempotencyKey: `${orderId}:capture`,
    orderId,
    authorizationId,
    amountCents: 2_200,
    currency: 'USD',
  });
  expect((await ops(orderId)).map((o) => o.operation)).toEqual(['authorize']);
  expect(await pay.void({ orderId })).toEqual({ voided: false }); // captured at the provider: refund, not void
  expect(await pay.refund({ orderId })).toEqual({ refundedCents: 2_200 });
  const ledger = await ops(orderId);
  expect(ledger.map((o) => [o.operation, o.amount_cents])).toEqual([
    ['authorize', '2200'],
    ['capture', '2200'],
    ['refund', '2200'],
  ]);
});

test('capture and void of one authorization at the same moment: exactly one wins, never both', async () => {
  for (let round = 0; round < 8; round++) {
    const orderId = uid('race');
    await orderRow(orderId);
    await authorizeCard(orderId, 900, 'tok_ok');
    const [capture, voided] = await Promise.allSettled([
      pay.capture({ orderId, amountCents: 900, currency: 'USD' }),
      pay.void({ orderId }),
    ]);
    const provider = await sandboxOps(orderId);
    if (capture.status === 'fulfilled') {
      expect(voided).toEqual({ status: 'fulfilled', value: { voided: false } });
      expect(provider.sort()).toEqual(['authorize', 'capture']);
    } else {
      expect(capture.reason).toMatchObject({ type: 'AuthorizationVoided' });
      expect(voided).toEqual({ status: 'fulfilled', value: { voided: true } });
      expect(provider.sort()).toEqual(['authorize', 'void']);
    }
    expect((await ops(orderId)).map((o) => o.operation).sort()).toEqual(provider.sort());
  }
});

test('tok_slow: the authorization exists at the provider while its answer is still on the way; capture is slow too', async () => {
  const slowPay = createPaymentActivities(pool, sandbox());
  const orderId = uid('slow');
  await orderRow(orderId);
  let answered = false;
  const authorizing = slowPay
    .authorize({
      orderId,
      amountCents: 800,
      currency: 'USD',
      paymentMethodId: await vaulted('tok_slow'),
      windowMs: WINDOW,
    })
    .finally(() => (answered = true));
  // Await the provider's decision (a row), not a clock: the answer must still be pending then.
  for (let i = 0; (await sandboxOps(orderId)).length === 0; i++) {
    if (i > 200) throw new Error('the sandbox never recorded the authorization');
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(answered).toBe(false);
  expect(await ops(orderId)).toEqual([]); // our ledger learns it only from the answer
  await authorizing;

  let captured = false;
  const capturing = slowPay.capture({ orderId, amountCents: 800, currency: 'USD' }).finally(() => (captured = true));
  for (let i = 0; !(await sandboxOps(orderId)).includes('capture'); i++) {
    if (i > 200) throw new Error('the sandbox never recorded the capture');
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(captured).toBe(false);
  await capturing;
  expect((await ops(orderId)).map((o) => o.operation)).toEqual(['authorize', 'capture']);
  // The token is not stored anywhere: the sandbox keeps only that answers are slow.
  expect(await count(pool, `sandbox_payments WHERE order_id = $1 AND slow`, [orderId])).toBe(1);
});
