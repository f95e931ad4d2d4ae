import { ApplicationFailure } from '@temporalio/common';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { SERVICES } from '../../src/domain';
import { cancelUpdate } from '../../workflows/order-api';
import {
  orderRequest,
  paymentOps,
  place,
  seedSku,
  stockOf,
  testPolicy,
  testSettings,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

// tok_slow: the sandbox decides at once and answers 1.5 s later (the test workers' delay), so a
// cancellation lands while authorize or capture is in flight, every time.
let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

async function slowOrder() {
  const sku = await seedSku(stack.pool, { priceCents: 4_000, stock: { east: 1 } });
  const placed = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], token: 'tok_slow' }),
    testSettings(),
    stack.prefix,
  );
  return { ...placed, sku };
}

/** captured − refunded, and whether an authorization was left neither voided nor captured. */
async function ledger(orderId: string) {
  const ops = await paymentOps(stack.pool, orderId);
  const sum = (op: string) => ops.filter((o) => o.operation === op).reduce((s, o) => s + Number(o.amount_cents), 0);
  const has = (op: string) => ops.some((o) => o.operation === op && o.status === 'approved');
  return {
    operations: ops.map((o) => o.operation),
    net: sum('capture') - sum('refund'),
    dangling: has('authorize') && !has('void') && !has('capture'),
  };
}

test('a cancellation while authorize is in flight waits for its answer, then voids: nothing held, nothing taken', async () => {
  const { handle, orderId, sku } = await slowOrder();
  await waitForView(handle, (v) => v.status === 'PaymentPending' && v.payment.status === 'none');
  const view = await handle.executeUpdate(cancelUpdate, {
    args: [{ reason: 'mid-authorize', onBehalfOf: 'customer' }],
  });
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'cancelled-by-customer' });
  expect(await ledger(orderId)).toEqual({ operations: ['authorize', 'void'], net: 0, dangling: false });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
});

test('a cancellation while capture is in flight waits for it, then refunds: the ledger nets to zero', async () => {
  const { handle, orderId, sku } = await slowOrder();
  await waitForView(handle, (v) => v.payment.status === 'authorized');
  const view = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'mid-capture' }] });
  expect(view.status).toBe('Refunded');
  expect(view.payment.refundedCents).toBe(view.totalCents);
  expect(await ledger(orderId)).toEqual({ operations: ['authorize', 'capture', 'refund'], net: 0, dangling: false });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
});

test('an outage longer than the payment window between authorize and capture renews the authorization: delivered, not "card declined"', async () => {
  // The provider takes no capture for 3 s after authorizing (an outage); the window is 2 s.
  const authorizedAt = new Map<string, number>();
  const sandbox = createSandboxPaymentProvider(stack.pool);
  const outage = await startTestWorkers(SERVICES, undefined, {
    policy: testPolicy({ paymentWindowMs: 2_000 }),
    paymentProvider: {
      ...sandbox,
      savePaymentMethod: (r) => sandbox.savePaymentMethod(r),
      find: (k) => sandbox.find(k),
      void: (r) => sandbox.void(r),
      refund: (r) => sandbox.refund(r),
      async authorize(r) {
        if (!authorizedAt.has(r.orderId)) authorizedAt.set(r.orderId, Date.now());
        return sandbox.authorize(r);
      },
      async capture(r) {
        if (Date.now() - (authorizedAt.get(r.orderId) ?? 0) < 3_000)
          throw ApplicationFailure.retryable('payments provider: down for maintenance', 'ProviderUnavailable');
        return sandbox.capture(r);
      },
    },
  });
  try {
    const sku = await seedSku(outage.pool, { priceCents: 3_300, stock: { east: 1 } });
    const { handle, orderId } = await place(
      outage.client,
      orderRequest({ items: [{ sku, quantity: 1 }] }),
      testSettings(),
      outage.prefix,
    );
    const view = await handle.result();
    expect(view).toMatchObject({
      status: 'Delivered',
      payment: { status: 'captured', capturedCents: view.totalCents },
    });
    // The first authorization, its renewal(s) (one per window the outage outlasted), one capture.
    const ops = (await paymentOps(outage.pool, orderId)).map((o) => `${o.operation} ${o.status}`);
    expect(ops[0]).toBe('authorize approved');
    expect(ops.at(-1)).toBe('capture approved');
    expect(ops.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ops.slice(0, -1))).toEqual(new Set(['authorize approved']));
    // The capture took the newest authorization, at the provider too; the expired ones lapsed.
    const { rows } = await outage.pool.query<{ captured: boolean }>(
      `SELECT captured_at IS NOT NULL AS captured FROM sandbox_payments
       WHERE order_id = $1 AND operation = 'authorize' ORDER BY created_at`,
      [orderId],
    );
    expect(rows.map((r) => r.captured)).toEqual([...Array(ops.length - 2).fill(false), true]);
    expect((await outage.pool.query('SELECT status FROM orders WHERE order_id = $1', [orderId])).rows[0]).toEqual({
      status: 'Delivered',
    });
  } finally {
    await outage.stop();
  }
});
