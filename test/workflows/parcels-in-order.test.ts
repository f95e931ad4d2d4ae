/**
 * v0.8 (patch `parcels-in-order`): the order runs its parcels itself, no shipment child. Each
 * booking names the order as the parcel's follower (`shipments.followed_by`), the carrier's events
 * are signalled to the order with their shipmentId, and a milestone's `recorded` claim is believed
 * only when the shipments table has it.
 */
import { SERVICES, shipmentWorkflowId } from '../../src/domain';
import { cancelUpdate, carrierEventSignal } from '../../workflows/order-api';
import {
  carrierEvent,
  paymentOps,
  placeBookedByHand,
  resetBefore,
  seedSku,
  orderRequest,
  place,
  stockOf,
  testPolicy,
  testSettings,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers(SERVICES, undefined, { policy: testPolicy({ carrierDeadlineMs: 1_500 }) });
});
afterAll(() => stack.stop());

async function shipmentRows(orderId: string) {
  const { rows } = await stack.pool.query<{ shipment_id: string; status: string; followed_by: string | null }>(
    'SELECT shipment_id, status, followed_by FROM shipments WHERE order_id = $1 ORDER BY shipment_id',
    [orderId],
  );
  return rows;
}

test('a two-warehouse order delivers with both parcels in its own history and no shipment child', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_200, stock: { east: 1, west: 1 } });
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 2 }] }),
    testSettings(),
    stack.prefix,
  );
  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  expect(view.shipments.map((s) => [s.warehouseId, s.status, s.followedBy])).toEqual([
    ['east', 'delivered', handle.workflowId],
    ['west', 'delivered', handle.workflowId],
  ]);
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(0);
  for (const s of view.shipments)
    await expect(stack.client.workflow.getHandle(shipmentWorkflowId(s.shipmentId)).describe()).rejects.toThrow();
  // Both bookings ran in the order's history, side by side, each with its summary for the Web UI.
  const bookings = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'bookShipment');
  expect(bookings).toHaveLength(2);
  const signals = events.flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []);
  expect(signals.filter((n) => n === 'carrierEvent')).toHaveLength(6);
  expect(signals).not.toContain('shipmentProgress');
  expect(await shipmentRows(orderId)).toEqual(
    ['east', 'west'].map((wh) => ({
      shipment_id: `${orderId}-${wh}`,
      status: 'DELIVERED',
      followed_by: handle.workflowId,
    })),
  );
  expect(await stockOf(stack.pool, sku)).toEqual({
    east: { onHand: 0, reserved: 0 },
    west: { onHand: 0, reserved: 0 },
  });
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
});

test('a forged carrierEvent (a recorded pickup the table does not have) is refused: the order stays cancellable', async () => {
  const { handle, orderId, sku, view } = await placeBookedByHand(stack, { priceCents: 2_000, stock: { east: 1 } });
  const { shipmentId } = view.shipments[0]!;
  await handle.signal(carrierEventSignal, { event: 'picked-up', shipmentId, recorded: { accepted: true } });
  // Whatever JSON someone typed: each shape is refused with its reason, nothing moves.
  await handle.signal(carrierEventSignal, { event: 'lost', shipmentId } as never);
  await handle.signal(carrierEventSignal, { event: 'picked-up', shipmentId: 'nobody' });
  await handle.signal(carrierEventSignal, { event: 'picked-up', shipmentId, recorded: 'yes' } as never);
  const refused = await waitForView(handle, (v) =>
    v.history.some((h) => h.note === `refused carrierEvent: parcel ${shipmentId} has not reached picked-up`),
  );
  expect(refused.history.filter((h) => h.note?.startsWith('refused carrierEvent:'))).toHaveLength(4);
  expect(refused.pointOfNoReturn).toBeUndefined();
  expect(refused.shipments.map((s) => s.status)).toEqual(['Booked']);

  const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
  expect(cancelled.status).toBe('Refunded');
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture', 'refund']);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
  expect((await shipmentRows(orderId)).map((s) => s.status)).toEqual(['CANCELLED']);
});

test('a carrier silent past the deadline marks the order NeedsAttention itself; the next event clears it', async () => {
  const { handle, view } = await placeBookedByHand(stack, { priceCents: 1_000, stock: { east: 1 } });
  const lost = await waitForView(handle, (v) => v.needsAttention !== undefined);
  expect(lost.needsAttention?.reason).toMatch(/no "picked-up" from the carrier/);
  await carrierEvent(stack.client, view, 'picked-up');
  const found = await waitForView(handle, (v) => v.needsAttention === undefined && v.status === 'Shipped');
  expect(found.history.some((h) => h.note?.startsWith('resolved: the carrier reported on parcel'))).toBe(true);
  await carrierEvent(stack.client, view, 'delivered');
  expect((await handle.result()).status).toBe('Delivered');
  // Raised and settled by the order's own parcel: no shipmentAttention signal in its history.
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? [])).not.toContain(
    'shipmentAttention',
  );
});

test('reset to before the booking: the order picks its parcel up where the shipments table has it', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 700, stock: { east: 2 } });
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  const first = await handle.result();
  expect(first.status).toBe('Delivered');
  const reset = await resetBefore(stack.client, handle, 'bookShipment', 'test: redo from before the booking');
  // The carrier's events went to the run before the reset (refused by this one: no parcel yet); the
  // booking, answered from the table, says the parcel was delivered. No wait for the carrier's
  // deadline, no lost-parcel mark.
  const again = await reset.result();
  expect(again.status).toBe('Delivered');
  expect(again.needsAttention).toBeUndefined();
  expect(again.pointOfNoReturn).toBeDefined();
  expect(again.shipments.map((s) => s.status)).toEqual(['delivered']);
  expect((await shipmentRows(orderId)).map((r) => r.status)).toEqual(['DELIVERED']);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
});
