import type { Pool } from 'pg';
import { createInventoryActivities } from '../../activities/inventory/activities';
import type { InventoryActivities } from '../../src/domain';
import { count, failureOf, insertItem, insertWarehouses, stockOf, testPool, uid } from './support';

let pool: Pool;
let inv: InventoryActivities;
const east = uid('tw-east');
const west = uid('tw-west');

beforeAll(async () => {
  pool = testPool(25);
  inv = createInventoryActivities(pool);
  await insertWarehouses(pool, [east, west]);
});
afterAll(() => pool.end());

/** A fresh SKU with the given stock per warehouse ({ east: 3 } style keys). */
async function sku(stock: { east?: number; west?: number }): Promise<string> {
  const s = uid('TSKU');
  const byId: Record<string, number> = {};
  if (stock.east !== undefined) byId[east] = stock.east;
  if (stock.west !== undefined) byId[west] = stock.west;
  await insertItem(pool, s, 100, byId);
  return s;
}

async function reservation(orderId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM reservations WHERE order_id = $1', [
    orderId,
  ]);
  return rows[0]?.status;
}

test('reserve takes the whole line from the warehouse with the most available, and a retry reserves nothing more', async () => {
  const a = await sku({ east: 5, west: 8 });
  const orderId = uid('o');
  const first = await inv.reserve({ orderId, items: [{ sku: a, quantity: 4 }], ttlMs: 60_000 });
  expect(first.lines).toEqual([{ sku: a, warehouseId: west, quantity: 4 }]);
  const again = await inv.reserve({ orderId, items: [{ sku: a, quantity: 4 }], ttlMs: 60_000 });
  expect(again).toEqual(first);

  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 5, reserved: 0 }, [west]: { onHand: 8, reserved: 4 } });
  expect(await reservation(orderId)).toBe('TRIED');
  expect(await count(pool, 'reservation_lines WHERE order_id = $1', [orderId])).toBe(1);
  const { rows } = await pool.query<{ future: boolean }>(
    `SELECT expires_at > now() + interval '50 seconds' AS future FROM reservations WHERE order_id = $1`,
    [orderId],
  );
  expect(rows[0]?.future).toBe(true);
  // Read model: history and one InventoryReserved outbox row (no orders row here: none was priced).
  expect(
    await count(pool, `order_status_history WHERE order_id = $1 AND status = 'InventoryReserved'`, [orderId]),
  ).toBe(1);
  expect(await count(pool, `outbox WHERE order_id = $1 AND event_type = 'InventoryReserved'`, [orderId])).toBe(1);
});

test('reserve splits a line across warehouses when no single one has it all', async () => {
  const a = await sku({ east: 3, west: 4 });
  const b = await sku({ east: 10 });
  const orderId = uid('o');
  const { lines } = await inv.reserve({
    orderId,
    items: [
      { sku: a, quantity: 6 },
      { sku: b, quantity: 2 },
    ],
    ttlMs: 60_000,
  });
  expect(lines).toEqual(
    expect.arrayContaining([
      { sku: a, warehouseId: west, quantity: 4 },
      { sku: a, warehouseId: east, quantity: 2 },
      { sku: b, warehouseId: east, quantity: 2 },
    ]),
  );
  expect(lines).toHaveLength(3);
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 3, reserved: 2 }, [west]: { onHand: 4, reserved: 4 } });
  expect(await stockOf(pool, b)).toEqual({ [east]: { onHand: 10, reserved: 2 } });
});

test('the order row moves to InventoryReserved when there is one', async () => {
  const a = await sku({ east: 2 });
  const orderId = uid('o');
  await pool.query(
    `INSERT INTO orders (order_id, customer_id, status, currency, subtotal_cents, shipping_cents, total_cents) VALUES ($1, 'c1', 'Created', 'USD', 100, 0, 100)`,
    [orderId],
  );
  await inv.reserve({ orderId, items: [{ sku: a, quantity: 1 }], ttlMs: 1000 });
  const { rows } = await pool.query('SELECT status FROM orders WHERE order_id = $1', [orderId]);
  expect(rows[0].status).toBe('InventoryReserved');
});

test('out of stock is non-retryable, names the shortage and leaves stock and reservations untouched', async () => {
  const a = await sku({ east: 2, west: 1 });
  const b = await sku({ east: 50 });
  const orderId = uid('o');
  const failure = await failureOf(
    inv.reserve({
      orderId,
      items: [
        { sku: b, quantity: 5 },
        { sku: a, quantity: 4 },
      ],
      ttlMs: 60_000,
    }),
  );
  expect(failure.type).toBe('OutOfStock');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toBe(`out of stock: SKU ${a} needs 4, 3 available`);
  expect(failure.details).toEqual([{ sku: a, needed: 4, available: 3 }]);

  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 2, reserved: 0 }, [west]: { onHand: 1, reserved: 0 } });
  expect(await stockOf(pool, b)).toEqual({ [east]: { onHand: 50, reserved: 0 } });
  expect(await reservation(orderId)).toBeUndefined(); // the TRIED row rolled back
  expect(await count(pool, 'outbox WHERE order_id = $1', [orderId])).toBe(0);
});

test('an unknown SKU is out of stock', async () => {
  const failure = await failureOf(
    inv.reserve({ orderId: uid('o'), items: [{ sku: uid('NOPE'), quantity: 1 }], ttlMs: 1000 }),
  );
  expect(failure.type).toBe('OutOfStock');
});

test('confirm takes reserved units out of stock once; release after confirm releases nothing', async () => {
  const a = await sku({ east: 3, west: 3 });
  const orderId = uid('o');
  await inv.reserve({ orderId, items: [{ sku: a, quantity: 5 }], ttlMs: 60_000 });
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 3, reserved: 3 }, [west]: { onHand: 3, reserved: 2 } });

  expect(await inv.confirm({ orderId })).toEqual({ confirmed: true });
  expect(await inv.confirm({ orderId })).toEqual({ confirmed: true });
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 0, reserved: 0 }, [west]: { onHand: 1, reserved: 0 } });
  expect(await reservation(orderId)).toBe('CONFIRMED');

  expect(await inv.release({ orderId })).toEqual({ released: false });
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 0, reserved: 0 }, [west]: { onHand: 1, reserved: 0 } });
  expect(await reservation(orderId)).toBe('CONFIRMED');
  // A retried Try after the confirm still answers the lines, without reserving again.
  expect((await inv.reserve({ orderId, items: [{ sku: a, quantity: 5 }], ttlMs: 1 })).lines).toHaveLength(2);
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 0, reserved: 0 }, [west]: { onHand: 1, reserved: 0 } });
});

test('release gives units back once, and a Try after it is refused', async () => {
  const a = await sku({ east: 4 });
  const orderId = uid('o');
  await inv.reserve({ orderId, items: [{ sku: a, quantity: 3 }], ttlMs: 60_000 });
  expect(await inv.release({ orderId })).toEqual({ released: true });
  expect(await inv.release({ orderId })).toEqual({ released: true });
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 4, reserved: 0 } });
  expect(await reservation(orderId)).toBe('CANCELLED');

  const failure = await failureOf(inv.reserve({ orderId, items: [{ sku: a, quantity: 3 }], ttlMs: 60_000 }));
  expect(failure.type).toBe('ReservationCancelled');
  expect(failure.nonRetryable).toBe(true);
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 4, reserved: 0 } });
  // Confirm of a cancelled reservation takes nothing.
  expect(await inv.confirm({ orderId })).toEqual({ confirmed: false });
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 4, reserved: 0 } });
});

test('release with nothing reserved records an empty cancel that refuses a late Try', async () => {
  const a = await sku({ east: 4 });
  const orderId = uid('o');
  // The Try failed (out of stock) and rolled back: the compensation then finds nothing.
  await failureOf(inv.reserve({ orderId, items: [{ sku: a, quantity: 9 }], ttlMs: 60_000 }));
  expect(await inv.release({ orderId })).toEqual({ released: true });
  expect(await reservation(orderId)).toBe('CANCELLED');
  expect(await count(pool, 'reservation_lines WHERE order_id = $1', [orderId])).toBe(0);

  // A timed-out Try attempt arriving late must not hold stock nobody will release.
  const late = await failureOf(inv.reserve({ orderId, items: [{ sku: a, quantity: 1 }], ttlMs: 60_000 }));
  expect(late.type).toBe('ReservationCancelled');
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 4, reserved: 0 } });
  expect(await inv.confirm({ orderId: uid('never-reserved') })).toEqual({ confirmed: false });
});

test('20 concurrent orders for a SKU with 5 units: exactly 5 succeed, never oversold', async () => {
  const a = await sku({ east: 3, west: 2 });
  const orders = Array.from({ length: 20 }, () => uid('race'));
  const results = await Promise.allSettled(
    orders.map((orderId) => inv.reserve({ orderId, items: [{ sku: a, quantity: 1 }], ttlMs: 60_000 })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled');
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(ok).toHaveLength(5);
  expect(failed).toHaveLength(15);
  for (const f of failed) expect(f.reason).toMatchObject({ type: 'OutOfStock', nonRetryable: true });

  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 3, reserved: 3 }, [west]: { onHand: 2, reserved: 2 } });
  expect(await count(pool, 'reservation_lines WHERE sku = $1', [a])).toBe(5);
  expect(await count(pool, `reservations WHERE order_id = ANY($1) AND status = 'TRIED'`, [orders])).toBe(5);
  expect(await count(pool, 'reservations WHERE order_id = ANY($1)', [orders])).toBe(5); // failed Tries left no row
});

test('concurrent Tries of one order reserve once', async () => {
  const a = await sku({ east: 10 });
  const orderId = uid('o');
  const results = await Promise.all(
    Array.from({ length: 5 }, () => inv.reserve({ orderId, items: [{ sku: a, quantity: 2 }], ttlMs: 60_000 })),
  );
  for (const r of results) expect(r.lines).toEqual([{ sku: a, warehouseId: east, quantity: 2 }]);
  expect(await stockOf(pool, a)).toEqual({ [east]: { onHand: 10, reserved: 2 } });
});

test('orders locking the same SKUs in opposite order do not deadlock', async () => {
  const a = await sku({ east: 100, west: 100 });
  const b = await sku({ east: 100, west: 100 });
  const runs = Array.from({ length: 16 }, (_, i) =>
    inv.reserve({
      orderId: uid('dl'),
      items:
        i % 2
          ? [
              { sku: a, quantity: 1 },
              { sku: b, quantity: 1 },
            ]
          : [
              { sku: b, quantity: 1 },
              { sku: a, quantity: 1 },
            ],
      ttlMs: 1000,
    }),
  );
  await Promise.all(runs);
  const sa = await stockOf(pool, a);
  const sb = await stockOf(pool, b);
  expect(Object.values(sa).reduce((n, s) => n + s.reserved, 0)).toBe(16);
  expect(Object.values(sb).reduce((n, s) => n + s.reserved, 0)).toBe(16);
});

test('invalid lines are non-retryable InvalidInput', async () => {
  expect((await failureOf(inv.reserve({ orderId: uid('o'), items: [], ttlMs: 1 }))).type).toBe('InvalidInput');
  expect((await failureOf(inv.reserve({ orderId: uid('o'), items: [{ sku: 'X', quantity: 0 }], ttlMs: 1 }))).type).toBe(
    'InvalidInput',
  );
});

test('findStaleReservations lists held reservations past their expiry, oldest first, and only those', async () => {
  const a = await sku({ east: 10 });
  const ids = { older: uid('o'), newer: uid('o'), fresh: uid('o'), confirmed: uid('o'), released: uid('o') };
  for (const orderId of Object.values(ids)) {
    await inv.reserve({ orderId, items: [{ sku: a, quantity: 1 }], ttlMs: 60_000 });
  }
  await inv.confirm({ orderId: ids.confirmed });
  await inv.release({ orderId: ids.released });
  const expire = (orderId: string, minutesAgo: number) =>
    pool.query(`UPDATE reservations SET expires_at = now() - make_interval(mins => $2) WHERE order_id = $1`, [
      orderId,
      minutesAgo,
    ]);
  await expire(ids.older, 2);
  await expire(ids.newer, 1);
  await expire(ids.confirmed, 2);
  await expire(ids.released, 2);

  const stale = await inv.findStaleReservations({ limit: 1000 });
  const ours = stale.filter((id) => Object.values(ids).includes(id));
  expect(ours).toEqual([ids.older, ids.newer]);
  expect(await inv.findStaleReservations({ limit: 1 })).toHaveLength(1);
  expect(await failureOf(inv.findStaleReservations({ limit: 0 }))).toMatchObject({
    type: 'InvalidInput',
    nonRetryable: true,
  });
});
