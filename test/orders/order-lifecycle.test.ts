import { startTestWorkers, type TestWorkers } from '../support/workers';
import {
  orderRequest,
  paymentOps,
  place,
  scheduledActivities,
  seedSku,
  stockOf,
  testSettings,
} from '../support/orders';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

test('happy path over two warehouses: two parcels, one capture, stock leaves the shelves', async () => {
  const east = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 10 } });
  const west = await seedSku(stack.pool, { priceCents: 1_000, stock: { west: 10 } });
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({
      items: [
        { sku: east, quantity: 2 },
        { sku: west, quantity: 3 },
      ],
    }),
    testSettings(),
    stack.prefix,
  );

  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  expect(view.totalCents).toBe(2 * 2_500 + 3 * 1_000); // 80.00 ≥ 50.00: free standard shipping
  expect(view.shipments.map((s) => [s.warehouseId, s.status]).sort()).toEqual([
    ['east', 'delivered'],
    ['west', 'delivered'],
  ]);
  expect(view.history.map((h) => h.status)).toEqual(
    expect.arrayContaining([
      'Created',
      'InventoryChecked',
      'InventoryReserved',
      'PaymentPending',
      'PaymentCompleted',
      'Processing',
      'Shipped',
      'Delivered',
    ]),
  );

  expect((await paymentOps(stack.pool, orderId)).map((p) => [p.operation, p.status, Number(p.amount_cents)])).toEqual([
    ['authorize', 'approved', 8_000],
    ['capture', 'approved', 8_000],
  ]);
  expect(await stockOf(stack.pool, east)).toEqual({ east: { onHand: 8, reserved: 0 } });
  expect(await stockOf(stack.pool, west)).toEqual({ west: { onHand: 7, reserved: 0 } });
  const reservation = await stack.pool.query('SELECT status FROM reservations WHERE order_id = $1', [orderId]);
  expect(reservation.rows[0].status).toBe('CONFIRMED');
  const shipments = await stack.pool.query('SELECT status FROM shipments WHERE order_id = $1', [orderId]);
  expect(shipments.rows.map((r) => r.status)).toEqual(['DELIVERED', 'DELIVERED']);
  const readModel = await stack.pool.query('SELECT status, total_cents FROM orders WHERE order_id = $1', [orderId]);
  expect(readModel.rows[0]).toEqual({ status: 'Delivered', total_cents: '8000' });
  const outbox = await stack.pool.query('SELECT event_type FROM outbox WHERE order_id = $1', [orderId]);
  expect(outbox.rows.map((r) => r.event_type)).toEqual(expect.arrayContaining(['OrderPlaced', 'PaymentCaptured']));
});

test('a declined card cancels the order: no capture, stock back on the shelf', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_999, stock: { east: 5 } });
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 2 }], token: 'tok_declined' }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view.status).toBe('Cancelled');
  expect(view.failureReason).toBe('payment-declined');
  expect(view.history.map((h) => h.status)).toContain('PaymentFailed');
  const ops = await paymentOps(stack.pool, orderId);
  expect(ops.filter((p) => p.operation === 'capture')).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 5, reserved: 0 } });
  const reservation = await stack.pool.query('SELECT status FROM reservations WHERE order_id = $1', [orderId]);
  expect(reservation.rows[0].status).toBe('CANCELLED');
});

test('insufficient stock cancels the order before any authorization', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 500, stock: { east: 1, west: 1 } });
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 3 }] }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view.status).toBe('Cancelled');
  expect(view.failureReason).toBe('out-of-stock');
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({
    east: { onHand: 1, reserved: 0 },
    west: { onHand: 1, reserved: 0 },
  });
  expect(await scheduledActivities(handle)).not.toContain('authorize');
});

test('an unknown SKU ends the order Cancelled (unknown-sku) before anything is reserved or charged', async () => {
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view.status).toBe('Cancelled');
  expect(view.failureReason).toBe('unknown-sku');
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  expect(await scheduledActivities(handle)).not.toContain('reserve');
});

test('a shipping failure after capture refunds, then releases, in that order → Refunded', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 4_000, stock: { east: 4 } });
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], country: 'AQ' }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view.status).toBe('Refunded');
  expect(view.failureReason).toBe('shipping-failed');
  expect(view.payment).toEqual({
    status: 'refunded',
    authorizedCents: 4_499,
    capturedCents: 4_499,
    refundedCents: 4_499,
  });
  const ops = (await paymentOps(stack.pool, orderId)).map((p) => p.operation);
  expect(ops).toEqual(['authorize', 'capture', 'refund']);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 4, reserved: 0 } });
  const activities = await scheduledActivities(handle);
  expect(activities.indexOf('refund')).toBeGreaterThan(activities.indexOf('capture'));
  expect(activities.indexOf('release')).toBeGreaterThan(activities.indexOf('refund'));
});

test('tok_flaky: the lost answer is found again by idempotency key: one authorization, one capture', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 6_000, stock: { east: 2 } });
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], token: 'tok_flaky' }),
    testSettings(),
    stack.prefix,
  );
  expect((await handle.result()).status).toBe('Delivered');
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
});

test('a customer on the block list is refused (fraud-suspected) and nothing is charged', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 6_000, stock: { east: 2 } });
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], customerId: 'blocked-mallory' }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'fraud-suspected' });
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
});
