import type { Pool } from 'pg';
import { createOrderActivities } from '../../activities/orders/activities';
import { needsApproval } from '../../src/domain';
import { count, failureOf, insertItem, testPool, uid } from './support';

let pool: Pool;
let orders: ReturnType<typeof createOrderActivities>;
const widget = uid('TW');
const gadget = uid('TG');

beforeAll(async () => {
  pool = testPool();
  orders = createOrderActivities(pool);
  await insertItem(pool, widget, 1250, {}, 'Test widget');
  await insertItem(pool, gadget, 300, {}, 'Test gadget');
});
afterAll(() => pool.end());

async function rowsFor(orderId: string) {
  const [order, lines, history, outbox] = await Promise.all([
    pool.query(
      'SELECT customer_id, status, currency, subtotal_cents, shipping_cents, total_cents, failure_reason FROM orders WHERE order_id = $1',
      [orderId],
    ),
    pool.query(
      'SELECT line_no, sku, name, quantity, unit_price_cents, line_total_cents FROM order_lines WHERE order_id = $1 ORDER BY line_no',
      [orderId],
    ),
    pool.query('SELECT status, note FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId]),
    pool.query(
      'SELECT event_type, payload, idempotency_key, published_at FROM outbox WHERE order_id = $1 ORDER BY id',
      [orderId],
    ),
  ]);
  return { order: order.rows[0], lines: lines.rows, history: history.rows, outbox: outbox.rows };
}

async function ownerOf(orderId: string): Promise<string | undefined> {
  const { rows } = await pool.query('SELECT run_id FROM order_ids WHERE order_id = $1', [orderId]);
  return rows[0]?.run_id;
}

describe('priceOrder', () => {
  test('an unknown SKU is answered; only the order id is claimed', async () => {
    const orderId = uid('o');
    const missing = uid('MISSING');
    const result = await orders.priceOrder({
      orderId,
      runId: 'run-1',
      customerId: 'c1',
      items: [
        { sku: widget, quantity: 1 },
        { sku: missing, quantity: 2 },
      ],
      shippingMethod: 'standard',
    });
    expect(result).toEqual({ ok: false, reason: 'unknown-sku', skus: [missing] });
    expect(await rowsFor(orderId)).toEqual({ order: undefined, lines: [], history: [], outbox: [] });
    expect(await ownerOf(orderId)).toBe('run-1');
  });

  test('prices from the catalog and writes the order, its lines, history and one OrderPlaced event; a retry writes nothing more', async () => {
    const orderId = uid('o');
    const input = {
      orderId,
      runId: 'run-1',
      customerId: 'cust-7',
      items: [
        { sku: widget, quantity: 2 },
        { sku: gadget, quantity: 1 },
      ],
      shippingMethod: 'standard' as const,
    };
    const result = await orders.priceOrder(input);
    // 2 x 12.50 + 3.00 = 28.00, under the free-shipping threshold: standard shipping 4.99.
    expect(result).toEqual({
      ok: true,
      currency: 'USD',
      subtotalCents: 2800,
      shippingCents: 499,
      totalCents: 3299,
      lines: [
        {
          sku: widget,
          name: 'Test widget',
          quantity: 2,
          unitPriceCents: 1250,
          lineTotalCents: 2500,
          productType: 'physical',
        },
        {
          sku: gadget,
          name: 'Test gadget',
          quantity: 1,
          unitPriceCents: 300,
          lineTotalCents: 300,
          productType: 'physical',
        },
      ],
      // The physical plan as it is now (other tests may have saved newer versions): the order's snapshot.
      plans: [{ productType: 'physical', version: expect.any(Number), plan: expect.objectContaining({}) }],
    });
    expect(await orders.priceOrder(input)).toEqual(result);

    // The retry answers what was stored, even if the catalog changed in between.
    await pool.query('UPDATE catalog_items SET price_cents = 9999 WHERE sku = $1', [gadget]);
    try {
      expect(await orders.priceOrder(input)).toEqual(result);
    } finally {
      await pool.query('UPDATE catalog_items SET price_cents = 300 WHERE sku = $1', [gadget]);
    }

    const rows = await rowsFor(orderId);
    expect(rows.order).toEqual({
      customer_id: 'cust-7',
      status: 'Created',
      currency: 'USD',
      subtotal_cents: '2800',
      shipping_cents: '499',
      total_cents: '3299',
      failure_reason: null,
    });
    expect(rows.lines).toEqual([
      { line_no: 1, sku: widget, name: 'Test widget', quantity: 2, unit_price_cents: '1250', line_total_cents: '2500' },
      { line_no: 2, sku: gadget, name: 'Test gadget', quantity: 1, unit_price_cents: '300', line_total_cents: '300' },
    ]);
    expect(rows.history).toEqual([{ status: 'Created', note: '' }]);
    expect(rows.outbox).toEqual([
      {
        event_type: 'OrderPlaced',
        idempotency_key: `${orderId}:OrderPlaced`,
        published_at: null,
        payload: {
          orderId,
          customerId: 'cust-7',
          currency: 'USD',
          totalCents: 3299,
          items: [
            { sku: widget, quantity: 2 },
            { sku: gadget, quantity: 1 },
          ],
        },
      },
    ]);
  });

  test('the seeded demo catalog prices a laptop over the approval threshold', async () => {
    const orderId = uid('o');
    const result = await orders.priceOrder({
      orderId,
      runId: 'run-1',
      customerId: 'c1',
      items: [
        { sku: 'LAPTOP-PRO', quantity: 1 },
        { sku: 'CABLE-USB', quantity: 1 },
      ],
      shippingMethod: 'express',
    });
    expect(result).toMatchObject({
      ok: true,
      subtotalCents: 249_900 + 999,
      shippingCents: 1_499,
      totalCents: 249_900 + 999 + 1_499,
    });
    expect(result.ok && needsApproval(result.totalCents)).toBe(true);
  });

  test('malformed items are non-retryable InvalidInput, and nothing is written', async () => {
    const orderId = uid('o');
    for (const items of [
      [],
      [{ sku: widget, quantity: 0 }],
      [
        { sku: widget, quantity: 1 },
        { sku: widget, quantity: 2 },
      ],
    ]) {
      const failure = await failureOf(
        orders.priceOrder({ orderId, runId: 'run-1', customerId: 'c1', items, shippingMethod: 'standard' }),
      );
      expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    }
    expect(await count(pool, 'order_status_history WHERE order_id = $1', [orderId])).toBe(0);
  });
});

describe('order ids are unique for ever', () => {
  const body = (orderId: string, runId: string, quantity = 1) => ({
    orderId,
    runId,
    customerId: 'c1',
    items: [{ sku: widget, quantity }],
    shippingMethod: 'standard' as const,
  });

  test('the same run retried gets the same answer, and one set of rows', async () => {
    const orderId = uid('o');
    const first = await orders.priceOrder(body(orderId, 'run-a'));
    expect(await orders.priceOrder(body(orderId, 'run-a'))).toEqual(first);
    expect(await count(pool, 'orders WHERE order_id = $1', [orderId])).toBe(1);
    expect(await count(pool, 'order_ids WHERE order_id = $1', [orderId])).toBe(1);
    expect(await ownerOf(orderId)).toBe('run-a');
  });

  test('another run with the same id, same body or not, is refused with OrderIdTaken and writes nothing', async () => {
    const orderId = uid('o');
    await orders.priceOrder(body(orderId, 'run-a'));
    const before = await rowsFor(orderId);
    for (const input of [body(orderId, 'run-b'), body(orderId, 'run-c', 3)]) {
      const failure = await failureOf(orders.priceOrder(input));
      expect(failure).toMatchObject({ type: 'OrderIdTaken', nonRetryable: true });
      expect(failure.message).toContain(orderId);
    }
    expect(await rowsFor(orderId)).toEqual(before);
    expect(await ownerOf(orderId)).toBe('run-a');
  });

  test('an id claimed by an order refused for an unknown SKU is not given to another run', async () => {
    const orderId = uid('o');
    const refused = await orders.priceOrder({
      ...body(orderId, 'run-a'),
      items: [{ sku: uid('MISSING'), quantity: 1 }],
    });
    expect(refused.ok).toBe(false);
    expect(await failureOf(orders.priceOrder(body(orderId, 'run-b')))).toMatchObject({ type: 'OrderIdTaken' });
    expect(await rowsFor(orderId)).toEqual({ order: undefined, lines: [], history: [], outbox: [] });
  });

  test('an order priced before ids were claimed (no claim row) is not given to a new run', async () => {
    const orderId = uid('o');
    await orders.priceOrder(body(orderId, 'run-a'));
    await pool.query('DELETE FROM order_ids WHERE order_id = $1', [orderId]); // as before migration 0004
    expect(await failureOf(orders.priceOrder(body(orderId, 'run-b')))).toMatchObject({ type: 'OrderIdTaken' });
    expect(await ownerOf(orderId)).toBeUndefined();
  });

  test('without a runId, priceOrder is InvalidInput', async () => {
    const { runId: _runId, ...withoutRun } = body(uid('o'), 'unused');
    expect(await failureOf(orders.priceOrder(withoutRun as Parameters<typeof orders.priceOrder>[0]))).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
    });
  });

  test("recordStatus and finalizeOrder from another run write nothing to the owner's order", async () => {
    const orderId = uid('o');
    await orders.priceOrder(body(orderId, 'run-a'));
    const before = await rowsFor(orderId);
    await orders.recordStatus({ orderId, status: 'AwaitingApproval', runId: 'run-b' });
    await orders.finalizeOrder({ orderId, status: 'Cancelled', failureReason: 'order-id-taken', runId: 'run-b' });
    expect(await rowsFor(orderId)).toEqual(before);

    // The owner (and a caller that names no run) still write.
    await orders.recordStatus({ orderId, status: 'AwaitingApproval', runId: 'run-a' });
    await orders.finalizeOrder({ orderId, status: 'Cancelled', failureReason: 'rejected' });
    const after = await rowsFor(orderId);
    expect(after.order.status).toBe('Cancelled');
    expect(after.history.map((h) => h.status)).toEqual(['Created', 'AwaitingApproval', 'Cancelled']);
  });
});

test('screenCustomer refuses blocked- customers (demo rule) and accepts others', async () => {
  expect(
    await orders.screenCustomer({ orderId: 'o', customerId: 'blocked-42', totalCents: 100, itemCount: 1 }),
  ).toMatchObject({ ok: false, reason: 'fraud-suspected' });
  expect(await orders.screenCustomer({ orderId: 'o', customerId: 'alice', totalCents: 100, itemCount: 1 })).toEqual({
    ok: true,
  });
});

describe('recordStatus and finalizeOrder', () => {
  async function placed(): Promise<string> {
    const orderId = uid('o');
    const r = await orders.priceOrder({
      orderId,
      runId: 'run-1',
      customerId: 'c1',
      items: [{ sku: widget, quantity: 1 }],
      shippingMethod: 'standard',
    });
    expect(r.ok).toBe(true);
    return orderId;
  }

  test('a status is recorded once per note, with one outbox event per customer-visible status', async () => {
    const orderId = await placed();
    await orders.recordStatus({ orderId, status: 'AwaitingApproval' });
    await orders.recordStatus({ orderId, status: 'AwaitingApproval' }); // a retry
    await orders.recordStatus({ orderId, status: 'AwaitingApproval', note: 'approval reminder' });
    await orders.recordStatus({ orderId, status: 'Shipped' });
    const rows = await rowsFor(orderId);
    expect(rows.order.status).toBe('Shipped');
    expect(rows.history).toEqual([
      { status: 'Created', note: '' },
      { status: 'AwaitingApproval', note: '' },
      { status: 'AwaitingApproval', note: 'approval reminder' },
      { status: 'Shipped', note: '' },
    ]);
    expect(rows.outbox.map((o) => o.event_type)).toEqual(['OrderPlaced', 'OrderAwaitingApproval', 'OrderShipped']);
  });

  test('a stale status (an attempt that committed late) does not move the order back', async () => {
    const orderId = await placed();
    await orders.recordStatus({ orderId, status: 'Shipped' });
    await orders.recordStatus({ orderId, status: 'AwaitingApproval' });
    const rows = await rowsFor(orderId);
    expect(rows.order.status).toBe('Shipped');
    expect(rows.history.map((h) => h.status)).toEqual(['Created', 'Shipped']);
  });

  test('an unknown status is InvalidInput', async () => {
    expect(await failureOf(orders.recordStatus({ orderId: uid('o'), status: 'Teleported' }))).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
    });
  });

  test('finalizeOrder records the outcome and reason once', async () => {
    const orderId = await placed();
    await orders.finalizeOrder({ orderId, status: 'Cancelled', failureReason: 'payment-declined' });
    await orders.finalizeOrder({ orderId, status: 'Cancelled', failureReason: 'payment-declined' });
    const rows = await rowsFor(orderId);
    expect(rows.order).toMatchObject({ status: 'Cancelled', failure_reason: 'payment-declined' });
    expect(rows.history).toEqual([
      { status: 'Created', note: '' },
      { status: 'Cancelled', note: 'payment-declined' },
    ]);
    expect(rows.outbox.filter((o) => o.event_type === 'OrderCancelled')).toEqual([
      {
        event_type: 'OrderCancelled',
        idempotency_key: `${orderId}:OrderCancelled`,
        published_at: null,
        payload: { orderId, status: 'Cancelled', reason: 'payment-declined' },
      },
    ]);

    const refunded = await placed();
    await orders.finalizeOrder({ orderId: refunded, status: 'Refunded', failureReason: 'shipping-failed' });
    expect((await rowsFor(refunded)).outbox.map((o) => o.event_type)).toEqual(['OrderPlaced', 'OrderRefunded']);
  });

  test('an order rejected before it was priced still gets its cancellation recorded and announced', async () => {
    const orderId = uid('o');
    await orders.finalizeOrder({ orderId, status: 'Cancelled', failureReason: 'unknown-sku' });
    const rows = await rowsFor(orderId);
    expect(rows.order).toBeUndefined();
    expect(rows.history).toEqual([{ status: 'Cancelled', note: 'unknown-sku' }]);
    expect(rows.outbox.map((o) => o.event_type)).toEqual(['OrderCancelled']);
  });
});
