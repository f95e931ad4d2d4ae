/**
 * A free order (a total of zero) through the payment provider's HTTP API, which refuses a zero
 * amount as real providers do: no money step reaches the provider, the ledger says nothing was
 * charged, and a cancellation after "payment" ends Cancelled (nothing to refund), not a failed run.
 */
import { saveRuleSet } from '../../activities/orders/store/rules';
import { SERVICES, defaultRuleSet } from '../../src/domain';
import { httpPaymentProvider } from '../../src/providers/payments-http';
import { cancelUpdate } from '../../workflows/order-api';
import {
  orderRequest,
  paymentOps,
  place,
  seedSku,
  seedTypedSku,
  stockOf,
  testSettings,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  const paymentProvider = httpPaymentProvider(process.env.PAYMENTS_URL!, {
    timeoutMs: 5_000,
    breakerFailures: 5,
    halfOpenAfterMs: 2_000,
    bulkheadLimit: 10,
    bulkheadQueue: 20,
  });
  stack = await startTestWorkers(SERVICES, undefined, { paymentProvider });
  // This file's scope ships standard for free from a subtotal of zero: a free item makes a free order.
  const rules = defaultRuleSet(100_000);
  rules.shipping = { ...rules.shipping, freeStandardFromCents: 0 };
  await saveRuleSet(stack.pool, stack.prefix, rules, 'test: free standard shipping');
});
afterAll(() => stack.stop());

async function providerRecords(orderId: string): Promise<number> {
  const { rowCount } = await stack.pool.query('SELECT 1 FROM sandbox_payments WHERE order_id = $1', [orderId]);
  return rowCount ?? 0;
}

test('a free digital order is delivered; the ledger records zero, the provider is never asked', async () => {
  const sku = await seedTypedSku(stack.pool, 'digital', 0);
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Delivered', totalCents: 0, payment: { capturedCents: 0 } });
  expect((await paymentOps(stack.pool, orderId)).map((o) => [o.operation, o.status, Number(o.amount_cents)])).toEqual([
    ['authorize', 'approved', 0],
    ['capture', 'approved', 0],
  ]);
  expect(await providerRecords(orderId)).toBe(0);
});

test('a free order cancelled after its (free) payment ends Cancelled, its stock back, its run completed', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 0, stock: { east: 2 } });
  const { handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings({ sandboxCarrier: false }),
    stack.prefix,
  );
  const booked = await waitForView(handle, (v) => v.shipments.some((s) => s.status === 'Booked'));
  expect(booked).toMatchObject({ status: 'Processing', totalCents: 0 });
  const view = await handle.executeUpdate(cancelUpdate, {
    args: [{ reason: 'changed my mind', onBehalfOf: 'customer' }],
  });
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'cancelled-by-customer' });
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
});
