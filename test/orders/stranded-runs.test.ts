/**
 * The operator's kill switch: a terminated order run (Web UI, `temporal workflow terminate`) runs no
 * workflow code, so the stranded-run watch finds it and its recovery settles it from the tables
 * (workflows/recovery.ts): before any pickup everything is undone; after one, what left is paid
 * and the rest refunded. `orders recover` does the same by hand. A reset re-runs steps without
 * charging twice.
 */
import { randomUUID } from 'node:crypto';
import { recoveryWorkflowId, SERVICES, type OrderRecoveryResult } from '../../src/domain';
import { strandedOrdersWorkflow } from '../../workflows/recovery';
import type { orderRecoveryWorkflow } from '../../workflows/recovery';
import { cliEnv } from '../support/cli';
import {
  carrierEvent,
  carrierInboxEvent,
  eventually,
  orderRequest,
  paymentOps,
  place,
  placeBookedByHand,
  readModelOf,
  resetBefore,
  seedTypedSku,
  stockOf,
  testSettings,
  waitForView,
} from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(120_000);

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers(SERVICES);
});
afterAll(() => stack.stop());

async function ledger(orderId: string) {
  return (await paymentOps(stack.pool, orderId)).map((o) => [o.operation, Number(o.amount_cents)]);
}
async function provider(orderId: string) {
  const { rows } = await stack.pool.query<{ operation: string; amount_cents: string }>(
    'SELECT operation, amount_cents FROM sandbox_payments WHERE order_id = $1 ORDER BY created_at',
    [orderId],
  );
  return rows.map((r) => [r.operation, Number(r.amount_cents)]);
}
const readModel = (orderId: string) => readModelOf(stack.pool, orderId);
async function carrierBookings(orderId: string) {
  const { rows } = await stack.pool.query<{ shipment_id: string; status: string }>(
    `SELECT b.shipment_id, b.status FROM sandbox_carrier_bookings b JOIN shipments s USING (shipment_id)
     WHERE s.order_id = $1 ORDER BY b.shipment_id`,
    [orderId],
  );
  return rows.map((r) => [r.shipment_id.split('-').pop(), r.status]);
}

/** One pass of the stranded-run watch on this file's queues: the orders whose recovery it started. */
async function watchPass(): Promise<string[]> {
  const { started } = await stack.client.workflow.execute(strandedOrdersWorkflow, {
    taskQueue: stack.ordersQueue,
    workflowId: `stranded-${randomUUID()}`,
    args: [{ lookbackMs: 10 * 60_000 }],
  });
  return started;
}

/** Passes of the watch until one finds the order (visibility shows a closed run a moment later). */
async function watchFinds(orderId: string): Promise<void> {
  await eventually(async () => ((await watchPass()).includes(orderId) ? true : undefined), 30_000);
}

test('terminated after capture, before any pickup: the watch finds it, the recovery refunds, releases and cancels the bookings', async () => {
  const {
    handle,
    orderId,
    sku,
    view: booked,
  } = await placeBookedByHand(stack, {
    priceCents: 1_499,
    stock: { east: 1, west: 1 },
  });
  await handle.terminate('operator: looks stuck');

  await watchFinds(orderId);
  const recovered = await stack.client.workflow
    .getHandle<typeof orderRecoveryWorkflow>(recoveryWorkflowId(orderId))
    .result();
  expect(recovered).toMatchObject({ outcome: 'undone', status: 'Refunded', refundedCents: booked.totalCents });
  expect(await ledger(orderId)).toEqual([
    ['authorize', booked.totalCents],
    ['capture', booked.totalCents],
    ['refund', booked.totalCents],
  ]);
  expect(await provider(orderId)).toEqual([
    ['authorize', booked.totalCents],
    ['capture', booked.totalCents],
    ['refund', booked.totalCents],
  ]);
  expect(await stockOf(stack.pool, sku)).toEqual({
    east: { onHand: 1, reserved: 0 },
    west: { onHand: 1, reserved: 0 },
  });
  expect(await carrierBookings(orderId)).toEqual([
    ['east', 'CANCELLED'],
    ['west', 'CANCELLED'],
  ]);
  expect(await readModel(orderId)).toEqual({
    status: 'Refunded',
    failure_reason: 'terminated-by-operator',
    attention: null,
  });
  // Found once: the next pass leaves it alone.
  expect(await watchPass()).not.toContain(orderId);
});

test('terminated after the first pickup: orders recover settles it, what left is paid and delivered, the rest refunded', async () => {
  const {
    handle,
    orderId,
    sku,
    view: booked,
  } = await placeBookedByHand(stack, {
    priceCents: 2_500,
    stock: { east: 1, west: 1 },
  });
  const east = booked.shipments.find((s) => s.warehouseId === 'east')!.shipmentId;
  await carrierEvent(stack.client, booked, 'picked-up', east);
  await waitForView(handle, (v) => v.pointOfNoReturn !== undefined);
  await handle.terminate('operator pulled the plug');

  const env = cliEnv(stack.prefix);
  const recovering = runCli(['recover', orderId, '--json'], env);
  // The east parcel is with the carrier; its delivery, recorded by the carrier's inbox, ends the
  // recovery (it watches the shipments table). Its follower, the order, has closed: recorded only.
  await eventually(async () => {
    const { rows } = await stack.pool.query(
      `SELECT 1 FROM reservation_lines WHERE order_id = $1 AND outcome IS NOT NULL`,
      [orderId],
    );
    return rows.length > 0 ? true : undefined;
  });
  expect(await carrierInboxEvent(stack.client, stack.pool, east, 'delivered')).toBe('handled');
  const done = await recovering;
  expect(done).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(done.stdout) as OrderRecoveryResult).toMatchObject({
    outcome: 'settled',
    status: 'Delivered',
    refundedCents: 2_500,
  });
  expect(await ledger(orderId)).toEqual([
    ['authorize', booked.totalCents],
    ['capture', booked.totalCents],
    ['refund', 2_500],
  ]);
  expect(await stockOf(stack.pool, sku)).toEqual({
    east: { onHand: 0, reserved: 0 },
    west: { onHand: 1, reserved: 0 },
  });
  expect(await carrierBookings(orderId)).toEqual([
    ['east', 'BOOKED'], // the carrier's booking stands: it carried the parcel
    ['west', 'CANCELLED'],
  ]);
  expect(await readModel(orderId)).toEqual({
    status: 'Delivered',
    failure_reason: 'terminated-by-operator',
    attention: null,
  });
});

test('orders recover refuses an order that still runs (exit 2) and changes nothing', async () => {
  const { handle, orderId, view: booked } = await placeBookedByHand(stack, { priceCents: 1_000, stock: { east: 1 } });
  const refused = await runCli(['recover', orderId], cliEnv(stack.prefix));
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('still runs');
  expect(await ledger(orderId)).toEqual([
    ['authorize', booked.totalCents],
    ['capture', booked.totalCents],
  ]);
  await handle.terminate('test over');
});

test('reset to before the capture: the steps run again, and nothing is charged twice', async () => {
  const sku = await seedTypedSku(stack.pool, 'digital', 1_200);
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const first = await handle.result();
  expect(first.status).toBe('Delivered');
  const reset = await resetBefore(stack.client, handle, 'capture', 'test: redo from before the capture');
  const again = await reset.result();
  expect(again).toMatchObject({ status: 'Delivered', payment: { capturedCents: first.totalCents } });
  expect(await ledger(orderId)).toEqual([
    ['authorize', first.totalCents],
    ['capture', first.totalCents],
  ]);
  expect(await provider(orderId)).toEqual([
    ['authorize', first.totalCents],
    ['capture', first.totalCents],
  ]);
  const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM licences WHERE order_id = $1', [orderId]);
  expect(rows[0].n).toBe(1);
  expect((await readModel(orderId))?.status).toBe('Delivered');
});

test('orders recover on a settled (Delivered) order touches nothing: no refund, its licence kept', async () => {
  const sku = await seedTypedSku(stack.pool, 'digital', 900);
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const done = await handle.result();
  expect(done.status).toBe('Delivered');
  const recovered = await runCli(['recover', orderId, '--json'], cliEnv(stack.prefix));
  expect(recovered).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(recovered.stdout)).toMatchObject({
    outcome: 'already-settled',
    status: 'Delivered',
    refundedCents: 0,
  });
  expect(await ledger(orderId)).toEqual([
    ['authorize', done.totalCents],
    ['capture', done.totalCents],
  ]);
  const { rows } = await stack.pool.query('SELECT status FROM licences WHERE order_id = $1', [orderId]);
  expect(rows).toEqual([{ status: 'ISSUED' }]);
});
