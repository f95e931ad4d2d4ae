/**
 * The order workflow on the fast tier: the real workflow code, fake activities. Message races,
 * timers and compensation order, in seconds.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { carrierMessage, parcelFollower } from '../../src/domain';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  carrierEventSignal,
  rejectUpdate,
} from '../../workflows/order-api';
import { waitForView as viewWhen } from '../support/orders';
import { fastPolicy, startFastStack, type FastStack } from './support/fast-stack';

const CATALOG = {
  MUG: { name: 'Mug', priceCents: 1_200, currency: 'USD' },
  PIANO: { name: 'Piano', priceCents: 250_000, currency: 'USD' },
};

let stack: FastStack;
beforeAll(async () => {
  stack = await startFastStack({ catalog: CATALOG, stock: { MUG: 100, PIANO: 10 }, policy: fastPolicy() });
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.fakes.calls.length = 0;
  Object.assign(stack.world, { declined: false, reserveDelayMs: 0, policy: fastPolicy() });
});

/** The carrier's events for every parcel of the order, by hand. */
async function deliver(
  view: { shipments: Array<{ shipmentId: string; followedBy?: string }> },
  events = ['picked-up', 'in-transit', 'delivered'],
) {
  // To the workflow that follows each parcel: the order itself from v0.8.
  for (const s of view.shipments)
    for (const event of events) {
      const follower = parcelFollower(s);
      await stack.client.workflow
        .getHandle(follower.workflowId)
        .signal(carrierEventSignal, carrierMessage(follower, s.shipmentId, event as never));
    }
}

test('a one-line order runs every step once and ends Delivered, its stock confirmed', async () => {
  const handle = await stack.place([{ sku: 'MUG', quantity: 2 }]);
  const booked = await viewWhen(handle, (v) => v.shipments.length === 1 && v.shipments[0]!.status === 'Booked');
  await deliver(booked);
  const final = await handle.result();
  expect(final).toMatchObject({ status: 'Delivered', totalCents: 2_400 + final.shippingCents });
  const calls = stack.fakes.calls;
  expect(calls.filter((c) => ['reserve', 'authorize', 'capture', 'bookShipment', 'confirm'].includes(c))).toEqual([
    'reserve',
    'authorize',
    'capture',
    'bookShipment',
    'confirm',
  ]);
  expect(calls).not.toContain('release');
  expect(stack.fakes.held.MUG).toBe(0);
});

test('an order above the threshold waits for an approver; the Update refuses anyone else', async () => {
  const handle = await stack.place([{ sku: 'PIANO', quantity: 1 }]);
  await viewWhen(handle, (v) => v.status === 'AwaitingApproval');
  await expect(handle.executeUpdate(approveUpdate, { args: [{ by: 'mallory' }] })).rejects.toThrow(
    WorkflowUpdateFailedError,
  );
  expect(stack.fakes.calls).not.toContain('authorize'); // no money moves before a decision
  const approved = await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', note: 'known' }] });
  expect(approved.approval).toMatchObject({ decision: 'approved', by: 'alice' });
  await deliver(await viewWhen(handle, (v) => v.shipments[0]?.status === 'Booked'));
  expect((await handle.result()).status).toBe('Delivered');
});

test('a rejection cancels the order and returns its stock; no money moved', async () => {
  const handle = await stack.place([{ sku: 'PIANO', quantity: 1 }]);
  await viewWhen(handle, (v) => v.status === 'AwaitingApproval');
  await handle.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'too big' }] });
  expect(await handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'approval-rejected' });
  expect(stack.fakes.calls).toContain('release');
  expect(stack.fakes.calls).not.toContain('authorize');
  expect(stack.fakes.held.PIANO).toBe(0);
});

test('an approval that never comes times out: the order is cancelled for that reason', async () => {
  stack.world.policy = fastPolicy({ approvalTimeoutMs: 1_000 });
  const handle = await stack.place([{ sku: 'PIANO', quantity: 1 }]);
  const final = await handle.result();
  expect(final).toMatchObject({ status: 'Cancelled', failureReason: 'approval-timeout' });
  expect(final.approval).toMatchObject({ decision: 'timed-out' });
  expect(stack.fakes.calls).toContain('release');
});

test('a cancel after the approval and capture still wins before pickup: the payment is refunded, the stock released', async () => {
  const handle = await stack.place([{ sku: 'PIANO', quantity: 1 }]);
  await viewWhen(handle, (v) => v.status === 'AwaitingApproval');
  await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
  await viewWhen(handle, (v) => v.payment.status === 'captured');
  const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
  expect(cancelled.status).toBe('Refunded');
  // The saga undoes the last step first: the payment, then the reservation.
  const undo = stack.fakes.calls.slice(stack.fakes.calls.indexOf('claimCancellation'));
  expect(undo.filter((c) => c === 'refund' || c === 'release')).toEqual(['refund', 'release']);
  expect(stack.fakes.held.PIANO).toBe(0);
});

test.each([
  ['Updates', 'update'],
  ['Signals', 'signal'],
] as const)(
  'approve and cancel at the same moment as %s: the cancel wins before pickup and no workflow task fails',
  async (_, kind) => {
    const handle = await stack.place([{ sku: 'PIANO', quantity: 1 }]);
    await viewWhen(handle, (v) => v.status === 'AwaitingApproval');
    if (kind === 'update')
      await Promise.allSettled([
        handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] }),
        handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] }),
      ]);
    else
      await Promise.all([
        handle.signal(approveSignal, { by: 'alice' }),
        handle.signal(cancelSignal, { reason: 'changed my mind' }),
      ]);
    const final = await handle.result();
    expect(['Cancelled', 'Refunded']).toContain(final.status);
    expect(stack.fakes.held.PIANO).toBe(0);
    const failed = (await handle.fetchHistory()).events?.filter((e) => e.workflowTaskFailedEventAttributes) ?? [];
    expect(failed).toEqual([]);
  },
);

test('a decision sent as a Signal by someone who may not decide is recorded as refused; the order keeps waiting', async () => {
  const handle = await stack.place([{ sku: 'PIANO', quantity: 1 }]);
  await viewWhen(handle, (v) => v.status === 'AwaitingApproval');
  await handle.signal(approveSignal, { by: 'mallory' });
  const refused = await viewWhen(handle, (v) => v.history.some((h) => h.note?.startsWith('refused approve signal')));
  expect(refused.status).toBe('AwaitingApproval');
  expect(stack.fakes.calls).not.toContain('authorize');
  await handle.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'not today' }] });
  expect(await handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'approval-rejected' });
});

test('a declined card cancels the order and releases its stock; nothing is captured', async () => {
  stack.world.declined = true;
  const handle = await stack.place([{ sku: 'MUG', quantity: 1 }]);
  expect(await handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'payment-declined' });
  expect(stack.fakes.calls).toContain('release');
  expect(stack.fakes.calls).not.toContain('capture');
});

test('the parallel split: a customer rule failing while the reservation is slow stops the order, and what was reserved goes back', async () => {
  stack.world.reserveDelayMs = 1_000;
  const handle = await stack.place([{ sku: 'MUG', quantity: 1 }], 'blocked-customer');
  expect(await handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'fraud-suspected' });
  expect(stack.fakes.calls).not.toContain('authorize');
  expect(stack.fakes.held.MUG ?? 0).toBe(0);
});

test('after the first pickup a cancel is refused with the reason, and the order is delivered', async () => {
  const handle = await stack.place([{ sku: 'MUG', quantity: 1 }]);
  const booked = await viewWhen(handle, (v) => v.shipments[0]?.status === 'Booked');
  await deliver(booked, ['picked-up']);
  await viewWhen(handle, (v) => v.pointOfNoReturn !== undefined);
  await expect(handle.executeUpdate(cancelUpdate, { args: [{ reason: 'too late' }] })).rejects.toMatchObject({
    cause: { message: expect.stringMatching(/no longer be cancelled/) },
  });
  await deliver(booked, ['in-transit', 'delivered']);
  expect((await handle.result()).status).toBe('Delivered');
  expect(stack.fakes.calls).not.toContain('release');
});
