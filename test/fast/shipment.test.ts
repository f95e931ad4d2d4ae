/**
 * Parcels on the fast tier (from v0.8 run by the order itself, no shipment child): a carrier
 * silent past the deadline raises the order's NeedsAttention and its next event clears it; two
 * parcels run side by side, joined.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { carrierEventSignal } from '../../workflows/order-api';
import { waitForView as viewWhen } from '../support/orders';
import { fastPolicy, startFastStack, type FastStack } from './support/fast-stack';

let stack: FastStack;
beforeAll(async () => {
  stack = await startFastStack({
    catalog: {
      LAMP: { name: 'Lamp', priceCents: 3_000, currency: 'USD' },
      RUG: { name: 'Rug', priceCents: 9_000, currency: 'USD' },
    },
    stock: { LAMP: 100, RUG: 100 },
    warehouses: { RUG: 'west' },
    policy: fastPolicy({ carrierDeadlineMs: 1_000 }),
  });
});
afterAll(() => stack.stop());

/** The carrier's event for one parcel, to the order that follows it. */
let order: WorkflowHandle;
const send = (shipmentId: string, event: string) => order.signal(carrierEventSignal, { event, shipmentId } as never);

test('a carrier silent past the deadline marks the order NeedsAttention; its next event clears the mark', async () => {
  const handle = (order = await stack.place([{ sku: 'LAMP', quantity: 1 }]));
  const booked = await viewWhen(handle, (v) => v.shipments[0]?.status === 'Booked');
  const lost = await viewWhen(handle, (v) => v.needsAttention !== undefined);
  expect(lost.needsAttention?.reason).toMatch(/no "picked-up" from the carrier/);
  const id = booked.shipments[0]!.shipmentId;
  await send(id, 'picked-up');
  await viewWhen(handle, (v) => v.needsAttention === undefined);
  await send(id, 'delivered'); // a later event implies in-transit
  expect(await handle.result()).toMatchObject({ status: 'Delivered' });
});

test('two warehouses, two parcels: the order is Shipped only when both have left, Delivered when both arrive', async () => {
  const handle = (order = await stack.place([
    { sku: 'LAMP', quantity: 1 },
    { sku: 'RUG', quantity: 1 },
  ]));
  const booked = await viewWhen(
    handle,
    (v) => v.shipments.length === 2 && v.shipments.every((s) => s.status === 'Booked'),
  );
  const [east, west] = booked.shipments.map((s) => s.shipmentId);
  await send(east!, 'picked-up');
  const one = await viewWhen(handle, (v) => v.pointOfNoReturn !== undefined);
  expect(one.status).toBe('Processing');
  await send(west!, 'picked-up');
  await viewWhen(handle, (v) => v.status === 'Shipped');
  await send(east!, 'delivered');
  await send(west!, 'delivered');
  const final = await handle.result();
  expect(final.status).toBe('Delivered');
  expect(final.shipments.map((s) => s.status)).toEqual(['delivered', 'delivered']);
});
