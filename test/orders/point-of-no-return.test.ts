import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { recoveryWorkflowId } from '../../src/domain';
import { orderRecoveryWorkflow } from '../../workflows/recovery';
import { claimCancellation } from '../../activities/orders/store/gate';
import { cancelSignal, cancelUpdate, shipmentProgressSignal } from '../../workflows/order-api';
import {
  carrierEvent,
  eventually,
  handDelivery,
  orderRequest,
  paymentOps,
  place,
  placeBookedByHand,
  readModelOf,
  seedSku,
  stockOf,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

/** Two parcels (one unit from each warehouse), both booked and waiting for the carrier. */
function bookedOrder(stock: Record<string, number> = { east: 1, west: 1 }) {
  return placeBookedByHand(stack, { priceCents: 2_500, stock });
}

async function shipmentRows(orderId: string) {
  const { rows } = await stack.pool.query<{ shipment_id: string; status: string }>(
    'SELECT shipment_id, status FROM shipments WHERE order_id = $1 ORDER BY shipment_id',
    [orderId],
  );
  return rows;
}

async function historyStatuses(orderId: string): Promise<string[]> {
  const { rows } = await stack.pool.query<{ status: string }>(
    'SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows.map((r) => r.status);
}

test('the first pickup is the point of no return: Update, Signal and run cancellation are refused, the order is delivered', async () => {
  const { handle, orderId, sku, view } = await bookedOrder();
  await carrierEvent(stack.client, view, 'picked-up', view.shipments[0]!.shipmentId);
  const afterPickup = await waitForView(handle, (v) => v.pointOfNoReturn !== undefined);
  expect(afterPickup.status).toBe('Processing'); // one parcel of two has left: not yet Shipped

  const update = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
  await expect(update).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(update).rejects.toMatchObject({ cause: { message: expect.stringMatching(/no longer be cancelled/) } });
  await handle.signal(cancelSignal, { reason: 'from the Web UI' });
  await handle.cancel(); // the Web UI's "Request Cancellation"
  const refused = await waitForView(
    handle,
    (v) =>
      v.history.some((h) => h.note?.startsWith('refused cancel signal')) &&
      v.history.some((h) => h.note?.startsWith('refused run cancellation')),
  );
  expect(refused.status).toBe('Processing');

  await carrierEvent(stack.client, view, 'delivered');
  const final = await handle.result();
  expect(final).toMatchObject({ status: 'Delivered', payment: { status: 'captured', refundedCents: 0 } });
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
  expect(await stockOf(stack.pool, sku)).toEqual({
    east: { onHand: 0, reserved: 0 },
    west: { onHand: 0, reserved: 0 },
  });
  expect((await shipmentRows(orderId)).map((s) => s.status)).toEqual(['DELIVERED', 'DELIVERED']);
});

test('a forged pickup report (full Temporal access, no parcel with the carrier) is refused: the order stays cancellable', async () => {
  const { handle, orderId, sku, view } = await bookedOrder({ east: 1 });
  const shipmentId = view.shipments[0]!.shipmentId;
  await handle.signal(shipmentProgressSignal, { shipmentId, event: 'picked-up' });
  const refused = await waitForView(handle, (v) =>
    v.history.some((h) => h.note === `refused shipmentProgress: parcel ${shipmentId} has not reached picked-up`),
  );
  expect(refused.pointOfNoReturn).toBeUndefined();
  expect(refused.shipments.map((s) => s.status)).toEqual(['Booked']);

  const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
  expect(cancelled.status).toBe('Refunded');
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture', 'refund']);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
  expect((await shipmentRows(orderId)).map((s) => s.status)).toEqual(['CANCELLED']);
});

test('cancelling the run before any pickup compensates like the cancel Update and ends the run cancelled', async () => {
  const { handle, orderId, sku } = await bookedOrder({ east: 2 });
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  const view = await waitForView(handle, (v) => v.status === 'Refunded');
  expect(view.failureReason).toBe('cancelled-by-operator');
  expect(view.shipments.map((s) => s.status)).toEqual(['Cancelled']);
  const ops = await paymentOps(stack.pool, orderId);
  expect(ops.map((p) => p.operation)).toEqual(['authorize', 'capture', 'refund']);
  expect(ops[1]!.amount_cents).toBe(ops[2]!.amount_cents);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
  expect((await shipmentRows(orderId)).map((s) => s.status)).toEqual(['CANCELLED']);
});

test('a cancellation and a pickup at the same moment: exactly one wins, and money, stock and parcels agree', async () => {
  const orders = await Promise.all([1, 2, 3, 4].map(() => bookedOrder({ east: 1 })));
  await Promise.all(
    orders.map(async (o) => {
      const [cancel] = await Promise.allSettled([
        o.handle.executeUpdate(cancelUpdate, { args: [{ reason: 'race' }] }),
        carrierEvent(stack.client, o.view, 'picked-up'),
      ]);
      if (cancel.status === 'rejected') await carrierEvent(stack.client, o.view, 'delivered');
      const final = await o.handle.result();
      const ops = await paymentOps(stack.pool, o.orderId);
      const shipments = await shipmentRows(o.orderId);
      if (cancel.status === 'fulfilled') {
        expect(final.status).toBe('Refunded');
        expect(ops.map((p) => p.operation)).toEqual(['authorize', 'capture', 'refund']);
        expect(shipments.map((s) => s.status)).toEqual(['CANCELLED']);
        expect(await stockOf(stack.pool, o.sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
      } else {
        expect(final.status).toBe('Delivered');
        expect(ops.map((p) => p.operation)).toEqual(['authorize', 'capture']);
        expect(shipments.map((s) => s.status)).toEqual(['DELIVERED']);
        expect(await stockOf(stack.pool, o.sku)).toEqual({ east: { onHand: 0, reserved: 0 } });
      }
    }),
  );
});

test('a cancellation that wins the gate before the order hears of it: the refused pickup ends the parcel cancelled, the order for its reason', async () => {
  const { handle, orderId, sku, view } = await bookedOrder({ east: 1 });
  // The race, forced: the cancellation's gate claim commits (as claimCancellation does from the
  // order), then the carrier's pickup is refused, and only then does the cancel reach the order.
  expect(await claimCancellation(stack.pool, orderId)).toEqual({ granted: true });
  await carrierEvent(stack.client, view, 'picked-up');
  // The order follows its parcel itself (v0.8): the refused pickup's recording is in its history.
  await eventually(async () => {
    const { events } = await handle.fetchHistory();
    const recording = (events ?? []).find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordCarrierEvent',
    );
    const done = (events ?? []).some(
      (e) =>
        recording && Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(recording.eventId),
    );
    return done ? true : undefined;
  });
  await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind', onBehalfOf: 'customer' }] });
  const final = await handle.result();
  expect(final).toMatchObject({ status: 'Refunded', failureReason: 'cancelled-by-customer' });
  expect(final.shipments.map((s) => s.status)).toEqual(['Cancelled']);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  const ops = await paymentOps(stack.pool, orderId);
  expect(ops.map((p) => p.operation)).toEqual(['authorize', 'capture', 'refund']);
  expect(ops[2]!.amount_cents).toBe(ops[1]!.amount_cents);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
  expect((await shipmentRows(orderId)).map((s) => s.status)).toEqual(['CANCELLED']);
});

test('terminating an order (no shipment child to cancel, v0.8): its recovery cancels the bookings from the tables', async () => {
  const { handle, orderId } = await bookedOrder();
  await handle.terminate('operator pulled the plug');
  // Temporal runs no workflow code for a terminated run: the stranded-run watch starts this recovery.
  const recovered = await stack.client.workflow.execute(orderRecoveryWorkflow, {
    taskQueue: stack.ordersQueue,
    workflowId: recoveryWorkflowId(orderId),
    args: [{ orderId, closedAs: 'TERMINATED' }],
  });
  expect(recovered).toMatchObject({ outcome: 'undone', status: 'Refunded' });
  expect((await shipmentRows(orderId)).map((s) => s.status)).toEqual(['CANCELLED', 'CANCELLED']);
});

test('the read model records Processing, and Shipped when it is reached, before delivery', async () => {
  const { handle, orderId, view } = await bookedOrder({ east: 1 });
  await carrierEvent(stack.client, view, 'picked-up');
  await waitForView(handle, (v) => v.status === 'Shipped');
  const statuses = await eventually(async () => {
    const s = await historyStatuses(orderId);
    return s.includes('Shipped') ? s : undefined;
  });
  expect(statuses).toContain('Processing');
  expect(statuses).not.toContain('Delivered');
  const { rows } = await stack.pool.query('SELECT status FROM orders WHERE order_id = $1', [orderId]);
  expect(rows[0].status).toBe('Shipped');
  await carrierEvent(stack.client, view, 'delivered');
  expect((await handle.result()).status).toBe('Delivered');
});

test('the read model says Shipped once every parcel has left, not at the first pickup (two parcels)', async () => {
  const { handle, orderId, view } = await bookedOrder({ east: 1, west: 1 });
  const [first, second] = view.shipments.map((s) => s.shipmentId);
  const statusOf = async (id: string) => (await shipmentRows(orderId)).find((s) => s.shipment_id === id)?.status;

  await carrierEvent(stack.client, view, 'picked-up', first);
  await eventually(async () => ((await statusOf(first!)) === 'PICKED_UP' ? true : undefined));
  expect((await readModelOf(stack.pool, orderId))?.status).toBe('Processing');
  expect(await historyStatuses(orderId)).not.toContain('Shipped');

  await carrierEvent(stack.client, view, 'picked-up', second);
  await eventually(async () => ((await readModelOf(stack.pool, orderId))?.status === 'Shipped' ? true : undefined));
  expect((await waitForView(handle, (v) => v.status === 'Shipped')).status).toBe('Shipped');
  await carrierEvent(stack.client, view, 'delivered');
  expect((await handle.result()).status).toBe('Delivered');
  expect((await readModelOf(stack.pool, orderId))?.status).toBe('Delivered');
});

test('a declined card records PaymentFailed; an unserved address marks its parcels Failed or Cancelled', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 1, west: 1 } });
  const declined = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], token: 'tok_declined' }),
    handDelivery,
    stack.prefix,
  );
  expect(await declined.handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'payment-declined' });
  expect(await historyStatuses(declined.orderId)).toEqual(expect.arrayContaining(['PaymentFailed', 'Cancelled']));
  const { rows } = await stack.pool.query('SELECT event_type FROM outbox WHERE order_id = $1', [declined.orderId]);
  expect(rows.map((r) => r.event_type)).toContain('PaymentFailed');

  const unserved = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 2 }], country: 'AQ' }),
    handDelivery,
    stack.prefix,
  );
  const view = await unserved.handle.result();
  expect(view).toMatchObject({ status: 'Refunded', failureReason: 'shipping-failed' });
  expect(view.shipments).toHaveLength(2);
  expect(view.shipments.every((s) => s.status === 'Failed' || s.status === 'Cancelled')).toBe(true);
  expect(view.shipments.some((s) => s.status === 'Failed')).toBe(true);
});
