import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { claimCancellation } from '../../activities/orders/store/gate';
import { createShippingActivities } from '../../activities/shipping/activities';
import type {
  AddressDto,
  CarrierEventMessage,
  ReservedLine,
  ShipmentProgress,
  ShippingActivities,
} from '../../src/domain';
import { carrierEventsOf } from '../support/orders';
import { count, failureOf, insertItem, insertWarehouses, testPool, uid } from './support';

let pool: Pool;
let ship: ShippingActivities;
let signals: Array<{ workflowId: string } & CarrierEventMessage>;
/** What the shipping service told orders (ShippingDeps.reportToOrder), in order. */
let reports: Array<{ workflowId: string } & ShipmentProgress>;
const warehouse = uid('tw-ship');
const sku = uid('TSHIP');

const address: AddressDto = {
  name: 'Ada Lovelace',
  line1: '12 Analytical St',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
};

beforeAll(async () => {
  pool = testPool();
  ship = createShippingActivities(pool, {
    signalShipment: async (workflowId, message) => {
      signals.push({ workflowId, ...message });
    },
    reportToOrder: async (workflowId, progress) => {
      reports.push({ workflowId, ...progress });
    },
  });
  await insertWarehouses(pool, [warehouse]);
  await insertItem(pool, sku, 100, { [warehouse]: 10 });
});
beforeEach(() => {
  signals = [];
  reports = [];
});
afterAll(() => pool.end());

function booking(shipmentId = uid('s'), overrides: Partial<Parameters<ShippingActivities['bookShipment']>[0]> = {}) {
  const lines: ReservedLine[] = [{ sku, warehouseId: warehouse, quantity: 2 }];
  return {
    orderId: 'o-1',
    shipmentId,
    warehouseId: warehouse,
    lines,
    address,
    method: 'standard' as const,
    ...overrides,
  };
}

async function shipment(
  shipmentId: string,
): Promise<{ status: string; carrier_ref: string | null; country: string | null } | undefined> {
  const { rows } = await pool.query('SELECT status, carrier_ref, country FROM shipments WHERE shipment_id = $1', [
    shipmentId,
  ]);
  return rows[0];
}

describe('validateAddress', () => {
  test('accepts a plausible address', async () => {
    await expect(ship.validateAddress({ orderId: 'o', address })).resolves.toEqual({ ok: true });
  });

  test.each([
    ['an empty name', { name: '  ' }, 'name'],
    ['a postal code without letters or digits', { postalCode: '- -' }, 'postalCode'],
    ['a postal code with symbols', { postalCode: '12#45' }, 'postalCode'],
    ['an unassigned country', { country: 'XX' }, 'country'],
  ])('rejects %s as InvalidAddress naming the field', async (_what, change, field) => {
    const failure = await failureOf(ship.validateAddress({ orderId: 'o', address: { ...address, ...change } }));
    expect(failure).toMatchObject({ type: 'InvalidAddress', nonRetryable: true });
    expect(failure.message).toContain(field);
  });
});

describe('bookShipment', () => {
  test('a country the carrier does not serve is ShippingUnavailable (non-retryable); nothing is booked', async () => {
    const shipmentId = uid('s');
    const failure = await failureOf(ship.bookShipment(booking(shipmentId, { address: { ...address, country: 'AQ' } })));
    expect(failure).toMatchObject({
      type: 'ShippingUnavailable',
      nonRetryable: true,
      message: 'carrier does not serve AQ',
    });
    expect(await shipment(shipmentId)).toBeUndefined();
  });

  test('booking is idempotent on the shipment id', async () => {
    const shipmentId = uid('s');
    const first = await ship.bookShipment(booking(shipmentId));
    expect(first).toEqual({ carrierRef: `SBX-${shipmentId}` });
    expect(await ship.bookShipment(booking(shipmentId))).toEqual(first);
    expect(await shipment(shipmentId)).toEqual({ status: 'BOOKED', carrier_ref: `SBX-${shipmentId}`, country: 'GB' });
    expect(await count(pool, 'shipments WHERE shipment_id = $1', [shipmentId])).toBe(1);
    const lines = await pool.query('SELECT sku, quantity FROM shipment_lines WHERE shipment_id = $1', [shipmentId]);
    expect(lines.rows).toEqual([{ sku, quantity: 2 }]);
    // Each call tells the order (a retry may follow a lost report); the order ignores a repeat.
    const booked = { workflowId: 'order-o-1', shipmentId, event: 'Booked' };
    expect(reports).toEqual([booked, booked]);
  });

  test('lines from another warehouse are a caller bug (InvalidInput)', async () => {
    const failure = await failureOf(
      ship.bookShipment(booking(uid('s'), { lines: [{ sku, warehouseId: 'elsewhere', quantity: 1 }] })),
    );
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  });
});

describe('cancelShipment and carrier events', () => {
  test('cancels a booked shipment, idempotently', async () => {
    const shipmentId = uid('s');
    await ship.bookShipment(booking(shipmentId));
    expect(await ship.cancelShipment({ shipmentId })).toEqual({ cancelled: true });
    expect(await ship.cancelShipment({ shipmentId })).toEqual({ cancelled: true });
    expect((await shipment(shipmentId))?.status).toBe('CANCELLED');
  });

  test('a booking that commits while the cancel runs is cancelled at the carrier too', async () => {
    const shipmentId = uid('s');
    // The race, forced: the booking commits just as the cancel opens its transaction.
    let bookFirst: (() => Promise<unknown>) | undefined = () => ship.bookShipment(booking(shipmentId));
    const racing = new Proxy(pool, {
      get(target, prop) {
        if (prop === 'connect')
          return async () => {
            const book = bookFirst;
            bookFirst = undefined;
            if (book) await book();
            return target.connect();
          };
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const cancelling = createShippingActivities(racing, {
      signalShipment: async () => {},
      reportToOrder: async () => {},
    });
    expect(await cancelling.cancelShipment({ shipmentId })).toEqual({ cancelled: true });
    expect((await shipment(shipmentId))?.status).toBe('CANCELLED');
    const carrier = await pool.query('SELECT status FROM sandbox_carrier_bookings WHERE shipment_id = $1', [
      shipmentId,
    ]);
    expect(carrier.rows).toEqual([{ status: 'CANCELLED' }]);
  });

  test('a cancel before the booking refuses the late booking', async () => {
    const shipmentId = uid('s');
    expect(await ship.cancelShipment({ shipmentId })).toEqual({ cancelled: true });
    const late = await failureOf(ship.bookShipment(booking(shipmentId)));
    expect(late).toMatchObject({ type: 'IllegalTransition', nonRetryable: true });
    expect(await shipment(shipmentId)).toEqual({ status: 'CANCELLED', carrier_ref: null, country: null });
    expect(await count(pool, 'shipment_lines WHERE shipment_id = $1', [shipmentId])).toBe(0);
    expect(reports).toEqual([]);
  });

  test('events are recorded once each, the status only moves forward, and a delivered shipment stays delivered', async () => {
    const shipmentId = uid('s');
    await ship.bookShipment(booking(shipmentId));
    await ship.recordCarrierEvent({ shipmentId, event: 'picked-up' });
    expect((await shipment(shipmentId))?.status).toBe('PICKED_UP');
    await ship.recordCarrierEvent({ shipmentId, event: 'delivered' });
    await ship.recordCarrierEvent({ shipmentId, event: 'in-transit' }); // late, out of order
    await ship.recordCarrierEvent({ shipmentId, event: 'delivered' }); // twice
    expect((await shipment(shipmentId))?.status).toBe('DELIVERED');
    const events = await pool.query('SELECT event FROM shipment_events WHERE shipment_id = $1 ORDER BY event', [
      shipmentId,
    ]);
    expect(events.rows.map((r) => r.event)).toEqual(['delivered', 'in-transit', 'picked-up']);
    // The order hears of the booking and the pickup (its point of no return), not of the rest.
    expect(reports.map((r) => `${r.workflowId} ${r.event}`)).toEqual(['order-o-1 Booked', 'order-o-1 picked-up']);

    expect(await ship.cancelShipment({ shipmentId })).toEqual({ cancelled: false });
    expect((await shipment(shipmentId))?.status).toBe('DELIVERED');
  });

  test('a picked-up shipment cannot be cancelled', async () => {
    const shipmentId = uid('s');
    await ship.bookShipment(booking(shipmentId));
    await ship.recordCarrierEvent({ shipmentId, event: 'picked-up' });
    expect(await ship.cancelShipment({ shipmentId })).toEqual({ cancelled: false });
    expect((await shipment(shipmentId))?.status).toBe('PICKED_UP');
  });

  test('an event for an unknown shipment is InvalidInput', async () => {
    expect(await failureOf(ship.recordCarrierEvent({ shipmentId: uid('none'), event: 'picked-up' }))).toMatchObject({
      type: 'InvalidInput',
    });
  });
});

describe('runSandboxCarrier', () => {
  const accepted = { recorded: { accepted: true } };
  async function bookedShipment(): Promise<string> {
    const shipmentId = uid('s');
    await ship.bookShipment(booking(shipmentId, { orderId: uid('o') }));
    return shipmentId;
  }

  test('records, then signals, picked-up, in-transit, delivered in order, about transitMs apart in total, heartbeating progress', async () => {
    const shipmentId = await bookedShipment();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 40 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const started = Date.now();
    await env.run(ship.runSandboxCarrier, { shipmentWorkflowId: 'shipment-wf-1', shipmentId, transitMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(signals).toEqual([
      { workflowId: 'shipment-wf-1', event: 'picked-up', ...accepted },
      { workflowId: 'shipment-wf-1', event: 'in-transit', ...accepted },
      { workflowId: 'shipment-wf-1', event: 'delivered', ...accepted },
    ]);
    expect(reports.map((r) => r.event)).toEqual(['Booked', 'picked-up']); // the pickup, from its recording
    expect(await carrierEventsOf(pool, shipmentId)).toEqual(['picked-up', 'in-transit', 'delivered']);
    expect((await shipment(shipmentId))?.status).toBe('DELIVERED');
    // Details are the index of the last emitted event: non-decreasing, from -1 to 2.
    expect(beats[0]).toBe(-1);
    expect(beats[beats.length - 1]).toBe(2);
    expect(beats).toEqual([...beats].sort((a, b) => Number(a) - Number(b)));
    expect(beats.length).toBeGreaterThan(4); // also while waiting, not only after each event
  });

  test('a retry resumes after the last event recorded in its heartbeat details', async () => {
    const shipmentId = await bookedShipment();
    await ship.recordCarrierEvent({ shipmentId, event: 'picked-up' }); // the first attempt's
    const env = new MockActivityEnvironment({ heartbeatDetails: 0, attempt: 2 });
    await env.run(ship.runSandboxCarrier, { shipmentWorkflowId: 'shipment-wf-2', shipmentId, transitMs: 30 });
    expect(signals.map((s) => s.event)).toEqual(['in-transit', 'delivered']);

    signals = [];
    await new MockActivityEnvironment({ heartbeatDetails: 2, attempt: 3 }).run(ship.runSandboxCarrier, {
      shipmentWorkflowId: 'shipment-wf-2',
      shipmentId,
      transitMs: 30,
    });
    expect(signals).toEqual([]);
    expect(await carrierEventsOf(pool, shipmentId)).toEqual(['picked-up', 'in-transit', 'delivered']);
  });

  test('a pickup refused at the gate (the order was cancelled first) is signalled as refused, and the carrier stops', async () => {
    const orderId = uid('o');
    const shipmentId = uid('s');
    await ship.bookShipment(booking(shipmentId, { orderId }));
    expect(await claimCancellation(pool, orderId)).toEqual({ granted: true });
    await new MockActivityEnvironment().run(ship.runSandboxCarrier, {
      shipmentWorkflowId: 'shipment-wf-4',
      shipmentId,
      transitMs: 3,
    });
    expect(signals).toEqual([{ workflowId: 'shipment-wf-4', event: 'picked-up', recorded: { accepted: false } }]);
    expect(reports.map((r) => r.event)).toEqual(['Booked']); // a refused pickup is not the order's
    expect(await carrierEventsOf(pool, shipmentId)).toEqual([]);
    expect((await shipment(shipmentId))?.status).toBe('BOOKED');
  });

  test('cancellation interrupts the wait', async () => {
    const shipmentId = await bookedShipment();
    const env = new MockActivityEnvironment();
    const running = env.run(ship.runSandboxCarrier, {
      shipmentWorkflowId: 'shipment-wf-3',
      shipmentId,
      transitMs: 3_000,
    });
    await new Promise((r) => setTimeout(r, 50));
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(signals).toEqual([]);
    expect(await carrierEventsOf(pool, shipmentId)).toEqual([]);
  });
});
