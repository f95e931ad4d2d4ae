/**
 * After the point of no return nothing is undone, and nothing is lost either: an order that fails
 * once a parcel has left is settled (workflows/settle.ts). What left is confirmed and stays paid,
 * its shipment follows it to delivery; the rest is released and refunded in part; the order ends
 * Delivered with the failure's reason; ledger, provider, stock and shipments agree.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { CarrierProvider } from '../../src/providers/carrier';
import { createSandboxCarrier } from '../../src/providers/sandbox/carrier';
import { createShippingActivities } from '../../activities/shipping/activities';
import { ERROR_TYPES, SERVICES } from '../../src/domain';
import {
  carrierEvent,
  eventually,
  paymentOps,
  placeBookedByHand,
  readModelOf,
  stockOf,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(120_000);

let stack: TestWorkers;
/** The west parcel's booking waits for this, then is refused (the carrier's answer after east left). */
let westBooking: { refuse: () => void; refused: Promise<void> } | undefined;
/** East's cancelShipment (a compensation) waits for this when set: a pickup can slip in meanwhile. */
let eastCancel: { called: () => void; whenCalled: Promise<void>; go: Promise<void>; release: () => void } | undefined;

function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

beforeAll(async () => {
  stack = await startTestWorkers(SERVICES, undefined, {
    carrier: {
      book: async (req) => {
        if (req.shipmentId.endsWith('-west') && westBooking) {
          await westBooking.refused;
          throw ApplicationFailure.nonRetryable(
            'carrier: no capacity from west today',
            ERROR_TYPES.ShippingUnavailable,
          );
        }
        return sandbox().book(req);
      },
      cancel: (req) => sandbox().cancel(req),
    } satisfies CarrierProvider,
    activities: {
      shipping: {
        cancelShipment: async (input: { shipmentId: string }) => {
          if (input.shipmentId.endsWith('-east') && eastCancel) {
            eastCancel.called();
            await eastCancel.go;
          }
          return shipping().cancelShipment(input);
        },
      },
    },
  });
});
afterAll(() => stack.stop());
/** One unit from each warehouse, answered once east's parcel is booked (west's may still be booking). */
function eastBooked(priceCents: number) {
  return placeBookedByHand(stack, {
    priceCents,
    stock: { east: 1, west: 1 },
    ready: (v) => v.shipments.some((s) => s.warehouseId === 'east' && s.status === 'Booked'),
  });
}

const sandbox = () => createSandboxCarrier(stack.pool);
const shipping = () =>
  createShippingActivities(stack.pool, { signalShipment: async () => undefined, reportToOrder: async () => undefined });

async function ledger(orderId: string) {
  return (await paymentOps(stack.pool, orderId)).map((o) => [o.operation, o.status, Number(o.amount_cents)]);
}
async function providerRefunds(orderId: string): Promise<number[]> {
  const { rows } = await stack.pool.query<{ amount_cents: string }>(
    `SELECT amount_cents FROM sandbox_payments WHERE order_id = $1 AND operation = 'refund'`,
    [orderId],
  );
  return rows.map((r) => Number(r.amount_cents));
}
async function reservationLines(orderId: string) {
  const { rows } = await stack.pool.query(
    'SELECT warehouse_id, outcome FROM reservation_lines WHERE order_id = $1 ORDER BY warehouse_id',
    [orderId],
  );
  return rows;
}
async function shipmentStatuses(view: { shipments: Array<{ shipmentId: string }> }) {
  const { rows } = await stack.pool.query<{ shipment_id: string; status: string }>(
    'SELECT shipment_id, status FROM shipments WHERE shipment_id = ANY($1::text[]) ORDER BY shipment_id',
    [view.shipments.map((s) => s.shipmentId)],
  );
  return rows.map((r) => [r.shipment_id.split('-').pop(), r.status]);
}
const readModel = (orderId: string) => readModelOf(stack.pool, orderId);

test('the second warehouse refuses its booking after the first parcel left: the order is settled, not failed', async () => {
  const refusal = latch();
  westBooking = { refuse: refusal.open, refused: refusal.opened };
  try {
    const { handle, orderId, sku, view: booked } = await eastBooked(2_000);
    const east = booked.shipments.find((s) => s.warehouseId === 'east')!.shipmentId;
    await carrierEvent(stack.client, booked, 'picked-up', east);
    await waitForView(handle, (v) => v.pointOfNoReturn !== undefined);
    refusal.open(); // now west's booking is refused: a failure past the point of no return
    // East's parcel is with the carrier: its shipment follows it, and the order waits for it.
    await carrierEvent(stack.client, booked, 'delivered', east);
    const final = await handle.result();

    expect(final).toMatchObject({ status: 'Delivered', failureReason: 'shipping-failed' });
    expect(final.payment.refundedCents).toBe(2_000); // the unit that never left; shipping stays paid
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await ledger(orderId)).toEqual([
      ['authorize', 'approved', final.totalCents],
      ['capture', 'approved', final.totalCents],
      ['refund', 'approved', 2_000],
    ]);
    expect(await providerRefunds(orderId)).toEqual([2_000]);
    expect(await stockOf(stack.pool, sku)).toEqual({
      east: { onHand: 0, reserved: 0 },
      west: { onHand: 1, reserved: 0 },
    });
    expect(await reservationLines(orderId)).toEqual([
      { warehouse_id: 'east', outcome: 'CONFIRMED' },
      { warehouse_id: 'west', outcome: 'RELEASED' },
    ]);
    expect(await readModel(orderId)).toEqual({
      status: 'Delivered',
      failure_reason: 'shipping-failed',
      attention: null,
    });
  } finally {
    westBooking = undefined;
  }
});

test('a pickup that slips in while a failing order undoes: the parcel is followed and paid, the rest refunded', async () => {
  const refusal = latch();
  const called = latch();
  const go = latch();
  westBooking = { refuse: refusal.open, refused: refusal.opened };
  eastCancel = { called: called.open, whenCalled: called.opened, go: go.opened, release: go.open };
  try {
    const { handle, orderId, sku, view: booked } = await eastBooked(3_000);
    const east = booked.shipments.find((s) => s.warehouseId === 'east')!.shipmentId;
    refusal.open(); // west refused before any pickup: the order fails and starts to undo
    await called.opened; // east's booking is being cancelled...
    // ...and the carrier's pickup arrives first (the webhook inbox records it, as a real carrier's would).
    expect(await shipping().recordCarrierEvent({ shipmentId: east, event: 'picked-up' })).toEqual({ accepted: true });
    go.open();
    await eventually(async () =>
      (await shipmentStatuses(booked)).some(([w, s]) => w === 'east' && s === 'PICKED_UP') ? true : undefined,
    );
    await carrierEvent(stack.client, booked, 'delivered', east);
    const final = await handle.result();

    // Not "Refunded and restocked" with a parcel on the road: what left is paid and counted.
    expect(final).toMatchObject({ status: 'Delivered', failureReason: 'shipping-failed' });
    expect(final.payment.refundedCents).toBe(3_000);
    expect(await ledger(orderId)).toEqual([
      ['authorize', 'approved', final.totalCents],
      ['capture', 'approved', final.totalCents],
      ['refund', 'approved', 3_000],
    ]);
    expect(await stockOf(stack.pool, sku)).toEqual({
      east: { onHand: 0, reserved: 0 },
      west: { onHand: 1, reserved: 0 },
    });
    expect(await shipmentStatuses(booked)).toEqual([
      ['east', 'DELIVERED'],
      ['west', 'CANCELLED'], // an empty cancel: a late booking of it is refused
    ]);
  } finally {
    westBooking = undefined;
    eastCancel = undefined;
  }
});
