import type { Pool } from 'pg';
import { startSandboxCarrierRuns, type SandboxCarrierRuns } from '../../src/providers/sandbox/carrier-runs';
import { claimCancellation } from '../../activities/orders/store/gate';
import {
  createShippingActivities,
  sandboxCarrierDelivery,
  type ShippingDeps,
} from '../../activities/shipping/activities';
import { shipmentWorkflowId, type AddressDto, type CarrierEventType, type ShippingActivities } from '../../src/domain';
import { carrierEventsOf, eventually } from '../support/orders';
import { insertItem, insertWarehouses, testPool, uid } from './support';

/**
 * v0.4: the sandbox carrier, handed a parcel at booking, sends its events by itself from
 * PostgreSQL-kept runs. Real PostgreSQL; the shipment workflow's signals and the order's reports
 * are collected instead of sent.
 */
let pool: Pool;
const warehouse = uid('tw-runs');
const sku = uid('TRUNS');
const address: AddressDto = { name: 'Ada', line1: '1 St', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const running: SandboxCarrierRuns[] = [];

beforeAll(async () => {
  pool = testPool();
  await insertWarehouses(pool, [warehouse]);
  await insertItem(pool, sku, 100, { [warehouse]: 10 });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(() => pool.end());

/** A shipping service with its own sender, under a prefix of its own (other tests' runs are not its). */
function service(opts: { deliverFails?: number } = {}) {
  const signals: Array<{ workflowId: string; event: string; accepted?: boolean }> = [];
  const reports: string[] = [];
  const deps: ShippingDeps = {
    signalShipment: async (workflowId, m) => {
      signals.push({ workflowId, event: m.event, accepted: m.recorded?.accepted });
    },
    reportToOrder: async (_id, p) => {
      reports.push(p.event);
    },
  };
  const delivery = sandboxCarrierDelivery(pool, deps);
  let failures = opts.deliverFails ?? 0;
  const runs = startSandboxCarrierRuns({
    pool,
    queuePrefix: uid('runs-'),
    retryMs: 20,
    deliver: async (e) => {
      if (failures-- > 0) throw new Error('carrier unreachable');
      return delivery(e);
    },
  });
  running.push(runs);
  const ship: ShippingActivities = createShippingActivities(pool, { ...deps, sandboxCarrierRuns: runs });
  return { ship, runs, signals, reports };
}

const booking = (shipmentId: string, orderId: string, sandboxTransitMs?: number) => ({
  orderId,
  shipmentId,
  warehouseId: warehouse,
  lines: [{ sku, warehouseId: warehouse, quantity: 1 }],
  address,
  method: 'standard' as const,
  ...(sandboxTransitMs === undefined ? {} : { sandboxTransitMs }),
});

async function runOf(shipmentId: string) {
  const { rows } = await pool.query<{ events_sent: number; next_event_at: Date | null; queue_prefix: string }>(
    'SELECT events_sent, next_event_at, queue_prefix FROM sandbox_carrier_runs WHERE shipment_id = $1',
    [shipmentId],
  );
  return rows[0];
}
const statusOf = async (shipmentId: string) =>
  (await pool.query<{ status: string }>('SELECT status FROM shipments WHERE shipment_id = $1', [shipmentId])).rows[0]
    ?.status;
const over = (shipmentId: string) =>
  eventually(async () => {
    const run = await runOf(shipmentId);
    return run && run.next_event_at === null ? run : undefined;
  }, 15_000);

test('a booking with sandboxTransitMs hands the parcel over: picked-up, in-transit, delivered are recorded and signalled in order', async () => {
  const { ship, signals, reports } = service();
  const shipmentId = uid('s');
  const started = Date.now();
  await ship.bookShipment(booking(shipmentId, uid('o'), 150));
  expect(await over(shipmentId)).toMatchObject({ events_sent: 3 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(140); // three steps of transitMs / 3
  const workflowId = shipmentWorkflowId(shipmentId);
  expect(signals).toEqual([
    { workflowId, event: 'picked-up', accepted: true },
    { workflowId, event: 'in-transit', accepted: true },
    { workflowId, event: 'delivered', accepted: true },
  ]);
  expect(await carrierEventsOf(pool, shipmentId)).toEqual(['picked-up', 'in-transit', 'delivered']);
  expect(await statusOf(shipmentId)).toBe('DELIVERED');
  expect(reports).toEqual(['Booked', 'picked-up']);
});

test('a retried booking hands the parcel over once; a booking without sandboxTransitMs hands over nothing', async () => {
  const { ship, signals } = service();
  const shipmentId = uid('s');
  const orderId = uid('o');
  await ship.bookShipment(booking(shipmentId, orderId, 3));
  await ship.bookShipment(booking(shipmentId, orderId, 3)); // the retry
  expect(await over(shipmentId)).toMatchObject({ events_sent: 3 });
  expect(signals.map((s) => s.event)).toEqual(['picked-up', 'in-transit', 'delivered']);

  const manual = uid('s');
  await ship.bookShipment(booking(manual, uid('o')));
  expect(await runOf(manual)).toBeUndefined();
  expect(await statusOf(manual)).toBe('BOOKED');
});

test('a shipping worker without a sender refuses to hand over a parcel, with a message saying so', async () => {
  const ship = createShippingActivities(pool, {
    signalShipment: async () => undefined,
    reportToOrder: async () => undefined,
  });
  const shipmentId = uid('s');
  await expect(ship.bookShipment(booking(shipmentId, uid('o'), 3))).rejects.toThrow(
    /no sandbox carrier to hand parcels to/,
  );
  expect(await runOf(shipmentId)).toBeUndefined();
});

test('a refused pickup (the order was cancelled first) ends the run: nothing recorded, nothing more sent', async () => {
  const { ship, signals, reports } = service();
  const orderId = uid('o');
  const shipmentId = uid('s');
  await claimCancellation(pool, orderId);
  await ship.bookShipment(booking(shipmentId, orderId, 3));
  expect(await over(shipmentId)).toMatchObject({ events_sent: 1 });
  expect(signals).toEqual([{ workflowId: shipmentWorkflowId(shipmentId), event: 'picked-up', accepted: false }]);
  expect(await carrierEventsOf(pool, shipmentId)).toEqual([]);
  expect(await statusOf(shipmentId)).toBe('BOOKED');
  expect(reports).toEqual(['Booked']);
});

test('an event whose sending fails is sent again, and the run goes on', async () => {
  const { ship, signals } = service({ deliverFails: 2 });
  const shipmentId = uid('s');
  await ship.bookShipment(booking(shipmentId, uid('o'), 3));
  expect(await over(shipmentId)).toMatchObject({ events_sent: 3 });
  expect(signals.map((s) => s.event)).toEqual(['picked-up', 'in-transit', 'delivered']);
});

test('a run left by a sender that died resumes after its last sent event once the claim lapses; other prefixes keep theirs', async () => {
  const { ship, runs, signals } = service();
  const shipmentId = uid('s');
  await ship.bookShipment(booking(shipmentId, uid('o')));
  const prefix = uid('dead-');
  // The dead sender's state: picked-up sent and recorded, its claim on in-transit lapsed.
  await ship.recordCarrierEvent({ shipmentId, event: 'picked-up' });
  await pool.query(
    `INSERT INTO sandbox_carrier_runs (shipment_id, queue_prefix, transit_ms, events_sent, next_event_at)
     VALUES ($1, $2, 3, 1, now() - interval '1 second')`,
    [shipmentId, prefix],
  );
  await runs.stop(); // the live service's sender is not this prefix's
  expect(signals).toEqual([]);
  expect(await runOf(shipmentId)).toMatchObject({ events_sent: 1, queue_prefix: prefix });

  const restarted: string[] = [];
  const delivery = sandboxCarrierDelivery(pool, {
    signalShipment: async (_id, m) => {
      restarted.push(m.event);
    },
    reportToOrder: async () => undefined,
  });
  running.push(startSandboxCarrierRuns({ pool, queuePrefix: prefix, deliver: delivery }));
  expect(await over(shipmentId)).toMatchObject({ events_sent: 3 });
  expect(restarted).toEqual(['in-transit', 'delivered']);
  expect(await carrierEventsOf(pool, shipmentId)).toEqual(['picked-up', 'in-transit', 'delivered']);
});

test('two senders of one deployment send each event of 20 parcels exactly once, in order per parcel', async () => {
  const queuePrefix = uid('pair-');
  const sent: Array<{ shipmentId: string; event: CarrierEventType }> = [];
  const deliver = async (e: { shipmentId: string; event: CarrierEventType }) => {
    sent.push(e);
    return { accepted: true };
  };
  const a = startSandboxCarrierRuns({ pool, queuePrefix, deliver, scanMs: 50 });
  const b = startSandboxCarrierRuns({ pool, queuePrefix, deliver, scanMs: 50 });
  running.push(a, b);
  const ids = Array.from({ length: 20 }, () => uid('s'));
  await Promise.all(ids.map((shipmentId, i) => (i % 2 ? a : b).schedule({ shipmentId, transitMs: 30 })));
  for (const id of ids) expect(await over(id)).toMatchObject({ events_sent: 3 });
  expect(sent).toHaveLength(60);
  for (const id of ids)
    expect(sent.filter((e) => e.shipmentId === id).map((e) => e.event)).toEqual([
      'picked-up',
      'in-transit',
      'delivered',
    ]);
});

test('a delivery that hangs holds up no other parcel', async () => {
  const queuePrefix = uid('slow-');
  const [stuck, free] = [uid('s'), uid('s')];
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  const sent: string[] = [];
  const runs = startSandboxCarrierRuns({
    pool,
    queuePrefix,
    deliver: async ({ shipmentId, event }) => {
      if (shipmentId === stuck && event === 'picked-up') await released;
      sent.push(`${shipmentId === stuck ? 'stuck' : 'free'}:${event}`);
      return { accepted: true };
    },
  });
  running.push(runs);
  await runs.schedule({ shipmentId: stuck, transitMs: 0 });
  await runs.schedule({ shipmentId: free, transitMs: 30 });
  expect(await over(free)).toMatchObject({ events_sent: 3 });
  expect(sent).toEqual(['free:picked-up', 'free:in-transit', 'free:delivered']);
  expect(await runOf(stuck)).toMatchObject({ events_sent: 0 });
  release();
  expect(await over(stuck)).toMatchObject({ events_sent: 3 });
  expect(sent.filter((e) => e.startsWith('stuck:'))).toEqual([
    'stuck:picked-up',
    'stuck:in-transit',
    'stuck:delivered',
  ]);
});
