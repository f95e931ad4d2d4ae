/**
 * Fulfilment plans per product type, on the real stack: a digital order reserves and ships
 * nothing; a pre-order holds its authorization until its release date and only then captures; a
 * mixed cart charges once and ships only what travels; a plan change reaches new orders only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { savePlan } from '../../activities/orders/store/plans';
import { SERVICES, type PlanNode } from '../../src/domain';
import {
  orderRequest,
  paymentOps,
  place,
  seedSku,
  seedTypedSku,
  testPolicy,
  testSettings,
  waitForView,
} from '../support/orders';
import { ROOT } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(120_000);

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

const count = async (sql: string, orderId: string) =>
  Number((await stack.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, [orderId])).rows[0]!.n);
const captureOps = async (orderId: string) =>
  (await paymentOps(stack.pool, orderId)).filter((o) => o.operation === 'capture');

test('a digital order: charged once, a licence key issued and the customer told; no reservation, no shipment, no shipping fee', async () => {
  const sku = await seedTypedSku(stack.pool, 'digital', 4_900);
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view).toMatchObject({
    status: 'Delivered',
    shippingCents: 0,
    totalCents: 4_900,
    shipments: [],
    issued: { licences: 1, giftCodes: 0 },
    payment: { status: 'captured', capturedCents: 4_900 },
  });
  expect(view.plans).toEqual([{ productType: 'digital', version: expect.any(Number) }]);
  expect(view.history.map((h) => h.status)).not.toContain('InventoryReserved');
  expect(await count('reservations WHERE order_id = $1', orderId)).toBe(0);
  expect(await count('shipments WHERE order_id = $1', orderId)).toBe(0);
  expect(await count(`licences WHERE order_id = $1 AND status = 'ISSUED'`, orderId)).toBe(1);
  expect(await count('customer_notifications WHERE order_id = $1', orderId)).toBe(1);
  expect((await captureOps(orderId)).map((o) => Number(o.amount_cents))).toEqual([4_900]);
});

test('a pre-order reserves and authorizes at once, waits for its release date, and only then captures and ships', async () => {
  const release = new Date(Date.now() + 4_000);
  const sku = await seedTypedSku(stack.pool, 'preorder', 6_900, release);
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const waiting = await waitForView(handle, (v) => v.awaitingRelease !== undefined);
  expect(waiting).toMatchObject({ status: 'PaymentPending', payment: { status: 'authorized' } });
  expect(Date.parse(waiting.awaitingRelease!)).toBe(release.getTime());
  expect(await captureOps(orderId)).toEqual([]);
  expect(await count(`reservations WHERE order_id = $1 AND status = 'TRIED'`, orderId)).toBe(1);

  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Delivered', payment: { status: 'captured', capturedCents: 6_900 } }); // 69.00: free shipping
  expect(view.shipments.map((s) => s.status)).toEqual(['delivered']);
  const { rows } = await stack.pool.query<{ created_at: Date }>(
    `SELECT created_at FROM payment_operations WHERE order_id = $1 AND operation = 'capture'`,
    [orderId],
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]!.created_at.getTime()).toBeGreaterThanOrEqual(release.getTime());
});

test('a mixed cart (physical + digital + gift card) is authorized and captured once, ships only the physical line', async () => {
  const physical = await seedSku(stack.pool, { priceCents: 2_000, stock: { east: 3 } });
  const digital = await seedTypedSku(stack.pool, 'digital', 3_000);
  const gift = await seedTypedSku(stack.pool, 'giftcard', 2_500);
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({
      items: [
        { sku: physical, quantity: 1 },
        { sku: digital, quantity: 1 },
        { sku: gift, quantity: 1 },
      ],
    }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  const total = 2_000 + 3_000 + 2_500 + 499; // shipping on the 20.00 that travels only
  expect(view).toMatchObject({ status: 'Delivered', totalCents: total, issued: { licences: 1, giftCodes: 1 } });
  expect(view.plans?.map((p) => p.productType).sort()).toEqual(['digital', 'giftcard', 'physical']);
  expect(view.shipments.flatMap((s) => s.lines.map((l) => l.sku))).toEqual([physical]);
  const ops = await paymentOps(stack.pool, orderId);
  expect(ops.filter((o) => o.operation === 'authorize').map((o) => Number(o.amount_cents))).toEqual([total]);
  expect(ops.filter((o) => o.operation === 'capture').map((o) => Number(o.amount_cents))).toEqual([total]);
  const lines = await stack.pool.query('SELECT sku FROM shipment_lines WHERE shipment_id LIKE $1', [`${orderId}-%`]);
  expect(lines.rows.map((r) => r.sku)).toEqual([physical]);
  const reserved = await stack.pool.query('SELECT sku FROM reservation_lines WHERE order_id = $1', [orderId]);
  expect(reserved.rows.map((r) => r.sku)).toEqual([physical]);
});

test('a mixed cart whose licence cannot be issued is undone: refund, stock released, gift codes voided', async () => {
  const physical = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 2 } });
  const gift = await seedTypedSku(stack.pool, 'giftcard', 2_500);
  // The licence service refuses (a worker whose fulfilment activity fails for good): the order
  // has already captured and issued a gift code, so everything is undone.
  const failing = await startTestWorkers(SERVICES, undefined, {
    // A slow carrier (the workers' setting): the licence fails long before the parcel leaves.
    policy: testPolicy({ transitTimeMs: 60_000 }),
    activities: {
      fulfilment: {
        issueLicences: async () => {
          throw ApplicationFailure.nonRetryable('licence server refused', 'LicenceRefused');
        },
      },
    },
  });
  try {
    const digital = await seedTypedSku(failing.pool, 'digital', 3_000);
    const { handle, orderId } = await place(
      failing.client,
      orderRequest({
        items: [
          { sku: physical, quantity: 1 },
          { sku: digital, quantity: 1 },
          { sku: gift, quantity: 1 },
        ],
      }),
      testSettings(),
      failing.prefix,
    );
    // Not a business outcome: undone, then the run fails loudly; the read model says how it ended.
    await expect(handle.result()).rejects.toThrow();
    const { rows } = await failing.pool.query('SELECT status, failure_reason FROM orders WHERE order_id = $1', [
      orderId,
    ]);
    expect(rows[0]).toEqual({ status: 'Refunded', failure_reason: 'internal-error' });
    const ops = (await paymentOps(failing.pool, orderId)).map((o) => o.operation);
    expect(ops).toEqual(expect.arrayContaining(['authorize', 'capture', 'refund']));
    expect(await count(`reservations WHERE order_id = $1 AND status = 'CANCELLED'`, orderId)).toBe(1);
    expect(await count(`gift_codes WHERE order_id = $1 AND status = 'ISSUED'`, orderId)).toBe(0);
  } finally {
    await failing.stop();
  }
});

test('a plan change reaches new orders only: a waiting pre-order keeps its version, the next one runs the new plan', async () => {
  const release = new Date(Date.now() + 5_000);
  const sku = await seedTypedSku(stack.pool, 'preorder', 1_500, release);
  const first = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const waiting = await waitForView(first.handle, (v) => v.awaitingRelease !== undefined);
  const before = waiting.plans![0]!.version;

  // Pre-orders now capture at once and wait for the release only before shipping.
  const capturesFirst: PlanNode = {
    sequence: [
      { step: 'reserve' },
      { step: 'approve' },
      { step: 'authorize' },
      { step: 'capture' },
      { waitUntil: 'release' },
      { step: 'ship' },
    ],
  };
  const saved = await savePlan(stack.pool, 'preorder', capturesFirst, 'test: capture before the release');
  try {
    expect(saved.version).toBeGreaterThan(before);
    const second = await place(
      stack.client,
      orderRequest({ items: [{ sku, quantity: 1 }] }),
      testSettings(),
      stack.prefix,
    );
    const early = await waitForView(second.handle, (v) => v.awaitingRelease !== undefined);
    expect(early.plans).toEqual([{ productType: 'preorder', version: saved.version }]);
    expect(early.payment.status).toBe('captured'); // the new plan: captured before the release
    expect((await first.handle.query('status')) as { payment: { status: string }; plans: unknown }).toMatchObject({
      payment: { status: 'authorized' }, // the old plan: still waiting to capture
      plans: [{ productType: 'preorder', version: before }],
    });
    expect((await first.handle.result()).status).toBe('Delivered');
    expect((await second.handle.result()).status).toBe('Delivered');
  } finally {
    // The default back, as a newer version (versions are never changed or removed).
    const preorder = JSON.parse(readFileSync(path.join(ROOT, 'examples/plans/preorder.json'), 'utf8')) as PlanNode;
    await savePlan(stack.pool, 'preorder', preorder, 'test: default back');
  }
});
