/**
 * v0.4 on the real stack: orders placed with `carrierSendsEvents` hand each parcel to the sandbox
 * carrier at booking, and the carrier's events arrive from outside the order's history (no carrier
 * activity in it; v0.8: the order follows its parcels itself). Orders placed without it (by v0.3
 * starters) keep the carrier activity, run by the order.
 */
import { SERVICES, type OrderSettings } from '../../src/domain';
import { cancelUpdate } from '../../workflows/order-api';
import {
  carrierEventsOf,
  eventually,
  placeOneLine,
  scheduledActivities,
  testPolicy,
  testSettings,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  // The sandbox carrier's transit is the workers' setting (v0.5): 6 s, so a cancellation comes before the pickup.
  stack = await startTestWorkers(SERVICES, undefined, { policy: testPolicy({ transitTimeMs: 6_000 }) });
});
afterAll(() => stack.stop());

async function runOf(shipmentId: string) {
  const { rows } = await stack.pool.query<{ events_sent: number; next_event_at: Date | null }>(
    'SELECT events_sent, next_event_at FROM sandbox_carrier_runs WHERE shipment_id = $1',
    [shipmentId],
  );
  return rows[0];
}

test('the sandbox carrier sends the parcel its events to the order that follows it: only the booking runs for it, and the order is delivered', async () => {
  const { handle } = await placeOneLine(stack, { priceCents: 1_000, stock: { east: 2 } });
  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  const { shipmentId } = view.shipments[0]!;
  const scheduled = await scheduledActivities(handle);
  expect(scheduled.filter((a) => /Shipment|Carrier/.test(a))).toEqual(['bookShipment']);
  const signals = ((await handle.fetchHistory()).events ?? []).flatMap((e) =>
    e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : [],
  );
  expect(signals).toEqual(['carrierEvent', 'carrierEvent', 'carrierEvent']);
  expect(await runOf(shipmentId)).toEqual({ events_sent: 3, next_event_at: null });
  expect(await carrierEventsOf(stack.pool, shipmentId)).toEqual(['picked-up', 'in-transit', 'delivered']);
  expect(view.pointOfNoReturn).toBeDefined();
});

test('an order placed by a v0.3 starter (no carrierSendsEvents) keeps the carrier activity, and no run is handed over', async () => {
  // Runs whose pinned policy predates v0.5 (no delivery settings) go by their start input, as they did.
  const { sandboxCarrier: _s, transitTimeMs: _t, paymentWindowMs: _p, ...before } = testPolicy();
  const older = await startTestWorkers(SERVICES, undefined, { policy: before });
  const { carrierSendsEvents: _, ...v03 }: OrderSettings = testSettings();
  try {
    await checkV03(older, v03);
  } finally {
    await older.stop();
  }
});

async function checkV03(older: TestWorkers, v03: OrderSettings): Promise<void> {
  const { handle } = await placeOneLine(older, { priceCents: 1_000, stock: { east: 2 }, settings: v03 });
  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  const { shipmentId } = view.shipments[0]!;
  const scheduled = await scheduledActivities(handle);
  expect(scheduled.filter((a) => /Shipment|Carrier/.test(a))).toEqual(['bookShipment', 'runSandboxCarrier']);
  expect(await runOf(shipmentId)).toBeUndefined();
  expect(await carrierEventsOf(older.pool, shipmentId)).toEqual(['picked-up', 'in-transit', 'delivered']);
}

test('an order cancelled (and refunded) before the pickup: the booking is cancelled and the carrier run ends at the refused pickup', async () => {
  const { handle } = await placeOneLine(stack, { priceCents: 1_000, stock: { east: 2 } });
  const booked = await waitForView(handle, (v) => v.shipments[0]?.status === 'Booked');
  const { shipmentId } = booked.shipments[0]!;
  const final = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
  expect(final.status).toBe('Refunded'); // paid already: cancelled, then refunded
  // The run's pickup (2 s after booking) is refused at the gate, which ends the run.
  const over = await eventually(async () => {
    const run = await runOf(shipmentId);
    return run?.next_event_at === null ? run : undefined;
  });
  expect(over).toEqual({ events_sent: 1, next_event_at: null });
  expect(await carrierEventsOf(stack.pool, shipmentId)).toEqual([]);
  const { rows } = await stack.pool.query<{ status: string }>('SELECT status FROM shipments WHERE shipment_id = $1', [
    shipmentId,
  ]);
  expect(rows[0]?.status).toBe('CANCELLED');
});
