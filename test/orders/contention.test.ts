import { orderRequest, place, seedSku, stockOf, testSettings } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

test('12 concurrent orders for a SKU with 5 units never oversell', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 7_000, stock: { east: 3, west: 2 } });
  const placed = await Promise.all(
    Array.from({ length: 12 }, () =>
      place(stack.client, orderRequest({ items: [{ sku, quantity: 1 }] }), testSettings(), stack.prefix),
    ),
  );
  const views = await Promise.all(placed.map((p) => p.handle.result()));
  const delivered = views.filter((v) => v.status === 'Delivered');
  const cancelled = views.filter((v) => v.status === 'Cancelled');
  expect(delivered).toHaveLength(5);
  expect(cancelled).toHaveLength(7);
  for (const v of cancelled) expect(v.failureReason).toBe('out-of-stock');
  expect(await stockOf(stack.pool, sku)).toEqual({
    east: { onHand: 0, reserved: 0 },
    west: { onHand: 0, reserved: 0 },
  });
  const captures = await stack.pool.query(
    `SELECT count(*)::int AS n FROM payment_operations WHERE operation = 'capture' AND order_id = ANY($1)`,
    [placed.map((p) => p.orderId)],
  );
  expect(captures.rows[0].n).toBe(5);
}, 120_000);
