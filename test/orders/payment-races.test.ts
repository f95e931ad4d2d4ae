import { cancelUpdate } from '../../workflows/order-api';
import { orderRequest, paymentOps, place, seedSku, stockOf, testSettings, waitForView } from '../support/orders';
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
  const view = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'mid-authorize' }] });
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
