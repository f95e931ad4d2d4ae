/**
 * The chaos invariants on hand-made ledger, reservation and shipment rows (the shared test
 * database): each finds what it is for and nothing else.
 */
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import {
  checkAuthorizationsClosed,
  checkDeliveredConfirmed,
  checkMoneyBalance,
  checkNoBookedShipment,
  checkNoHeldReservation,
  checkSettled,
  checkStockConserved,
  type FinalOrder,
} from '../../tools/chaos/invariants';
import { seedSku, uid } from '../support/orders';

let pool: Pool;
beforeAll(() => {
  pool = createPool(process.env.DATABASE_URL!, 2);
});
afterAll(() => pool.end());

async function ledger(orderId: string, ops: Array<[string, number]>) {
  for (const [op, cents] of ops)
    await pool.query(
      `INSERT INTO payment_operations (order_id, operation, idempotency_key, status, amount_cents, currency, provider_ref)
       VALUES ($1, $2, $1 || ':' || $2, 'approved', $3, 'USD', 'ref')`,
      [orderId, op, cents],
    );
}

test('money: Delivered nets its total, Cancelled and Refunded net zero', async () => {
  const [good, refunded, keptMoney, shortDelivered] = ['a', 'b', 'c', 'd'].map((p) => uid(`inv-${p}`));
  await ledger(good!, [
    ['authorize', 500],
    ['capture', 500],
  ]);
  await ledger(refunded!, [
    ['authorize', 500],
    ['capture', 500],
    ['refund', 500],
  ]);
  await ledger(keptMoney!, [
    ['authorize', 500],
    ['capture', 500],
  ]);
  await ledger(shortDelivered!, [['authorize', 500]]);
  const orders: FinalOrder[] = [
    { orderId: good!, status: 'Delivered', totalCents: 500, executionStatus: 'COMPLETED' },
    { orderId: refunded!, status: 'Refunded', totalCents: 500, executionStatus: 'COMPLETED' },
    { orderId: keptMoney!, status: 'Refunded', totalCents: 500, executionStatus: 'CANCELLED' },
    { orderId: shortDelivered!, status: 'Delivered', totalCents: 500, executionStatus: 'COMPLETED' },
  ];
  const result = await checkMoneyBalance(pool, orders);
  expect(result.checked).toBe(4);
  expect(result.violations.map((v) => v.split(' ')[0]).sort()).toEqual([keptMoney, shortDelivered].sort());
});

test('an authorization of an undone order is voided or captured', async () => {
  const [voided, open] = [uid('inv-v'), uid('inv-o')];
  await ledger(voided, [
    ['authorize', 100],
    ['void', 100],
  ]);
  await ledger(open, [['authorize', 100]]);
  const result = await checkAuthorizationsClosed(pool, [
    { orderId: voided, status: 'Cancelled' },
    { orderId: open, status: 'Cancelled' },
  ]);
  expect(result.violations).toEqual([`${open}: authorization neither voided nor captured`]);
});

test('stock: on_hand + confirmed = initial; reserved = held lines; no hold or booking left', async () => {
  const sku = await seedSku(pool, { priceCents: 100, stock: { east: 10 } });
  const [confirmed, held] = [uid('inv-c'), uid('inv-h')];
  await pool.query(`INSERT INTO reservations (order_id, status) VALUES ($1, 'CONFIRMED'), ($2, 'TRIED')`, [
    confirmed,
    held,
  ]);
  await pool.query(
    `INSERT INTO reservation_lines (order_id, sku, warehouse_id, quantity, outcome)
     VALUES ($1, $3, 'east', 2, 'CONFIRMED'), ($2, $3, 'east', 3, NULL)`,
    [confirmed, held, sku],
  );
  await pool.query(`UPDATE stock SET on_hand = 8, reserved = 3 WHERE sku = $1`, [sku]);
  expect((await checkStockConserved(pool, { [`${sku}@east`]: 10 })).violations).toEqual([]);
  // One unit lost: on_hand no longer adds up.
  await pool.query(`UPDATE stock SET on_hand = 7 WHERE sku = $1`, [sku]);
  expect((await checkStockConserved(pool, { [`${sku}@east`]: 10 })).violations).toHaveLength(1);

  const orders: FinalOrder[] = [
    { orderId: confirmed, status: 'Delivered' },
    { orderId: held, status: 'Cancelled' },
  ];
  expect((await checkNoHeldReservation(pool, orders)).violations).toEqual([`${held}: reservation still TRIED`]);
  expect((await checkDeliveredConfirmed(pool, orders)).violations).toEqual([]);
  expect((await checkDeliveredConfirmed(pool, [{ orderId: held, status: 'Delivered' }])).violations).toHaveLength(1);

  await pool.query(
    `INSERT INTO shipments (shipment_id, order_id, warehouse_id, status, carrier_ref, country, method)
     VALUES ($1 || '-east', $1, 'east', 'BOOKED', 'ref', 'US', 'standard')`,
    [held],
  );
  expect((await checkNoBookedShipment(pool, orders)).violations).toEqual([
    `${held}: shipment ${held}-east still BOOKED`,
  ]);
});

test('settled: terminal and closed, or flagged NeedsAttention', () => {
  const result = checkSettled([
    { orderId: 'a', status: 'Delivered', executionStatus: 'COMPLETED' },
    { orderId: 'b', status: 'Processing', needsAttention: true, executionStatus: 'RUNNING' },
    { orderId: 'c', status: 'PaymentPending', executionStatus: 'RUNNING' },
    { orderId: 'd', status: 'Delivered', executionStatus: 'RUNNING' },
  ]);
  expect(result.violations.map((v) => v.split(':')[0])).toEqual(['c', 'd']);
});
