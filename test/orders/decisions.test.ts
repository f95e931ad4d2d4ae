import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveSignal, approveUpdate, rejectSignal, rejectUpdate, statusQuery } from '../../workflows/order-api';
import {
  eventually,
  orderRequest,
  paymentOps,
  place,
  seedSku,
  testPolicy,
  testSettings,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

// The workers' policy: carol alone approves, from 50.00 on. Nothing in the start request can change it.
let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers(undefined, undefined, {
    policy: testPolicy({ approvers: ['carol'], approvalThresholdCents: 5_000 }),
  });
});
afterAll(() => stack.stop());

async function awaitingOrder() {
  const sku = await seedSku(stack.pool, { priceCents: 6_000, stock: { east: 2 } });
  const placed = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  await waitForView(placed.handle, (v) => v.status === 'AwaitingApproval');
  return placed;
}

test('the approvers and the threshold are the workers’ policy: a 60.00 order waits, alice is refused, carol decides', async () => {
  const { handle } = await awaitingOrder();
  const byAlice = handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
  await expect(byAlice).rejects.toMatchObject({ cause: { message: '"alice" is not an authorised approver' } });
  await handle.executeUpdate(approveUpdate, { args: [{ by: 'carol' }] });
  expect((await handle.result()).status).toBe('Delivered');
});

test('two decisions at once: the first wins, the second is refused with the reason', async () => {
  const { handle, orderId } = await awaitingOrder();
  const [approve, reject] = await Promise.allSettled([
    handle.executeUpdate(approveUpdate, { args: [{ by: 'carol', identity: 'console-1' }] }),
    handle.executeUpdate(rejectUpdate, { args: [{ by: 'carol', reason: 'second thoughts' }] }),
  ]);
  const outcomes = [approve.status, reject.status].sort();
  expect(outcomes).toEqual(['fulfilled', 'rejected']);
  const refused = (approve.status === 'rejected' ? approve : reject) as PromiseRejectedResult;
  expect(refused.reason).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(refused.reason.cause.message).toMatch(/already has a decision/);
  const final = await handle.result();
  expect(final.status).toBe(approve.status === 'fulfilled' ? 'Delivered' : 'Cancelled');
  expect((await paymentOps(stack.pool, orderId)).length > 0).toBe(approve.status === 'fulfilled');
});

test('signals too: a second decision is recorded as refused, never applied', async () => {
  const { handle } = await awaitingOrder();
  await Promise.all([
    handle.signal(rejectSignal, { by: 'carol', reason: 'too big' }),
    handle.signal(approveSignal, { by: 'carol' }),
  ]);
  const final = await handle.result();
  expect(final.history.filter((h) => /^(approved|rejected) by carol/.test(h.note ?? ''))).toHaveLength(1);
  expect(
    final.history.some((h) => /^refused (approve|reject) signal: .*already has a decision/.test(h.note ?? '')),
  ).toBe(true);
  expect(final.status).toBe(final.approval?.decision === 'approved' ? 'Delivered' : 'Cancelled');
});

test('the audit trail keeps who decided and from which client, in the history and the read model', async () => {
  const { handle, orderId } = await awaitingOrder();
  const view = await handle.executeUpdate(approveUpdate, {
    args: [{ by: 'carol', note: 'known customer', identity: 'ops-console-7' }],
  });
  expect(view.approval).toMatchObject({ decision: 'approved', by: 'carol', identity: 'ops-console-7' });
  await handle.result();
  const note = await eventually(async () => {
    const { rows } = await stack.pool.query<{ note: string }>(
      `SELECT note FROM order_status_history WHERE order_id = $1 AND note LIKE 'approved%'`,
      [orderId],
    );
    return rows[0]?.note;
  });
  expect(note).toBe('approved by carol (approver, signed, client ops-console-7): known customer');
});

test('the deployment’s delivery settings are the workers’ too: a placer cannot turn on fake carrier events or stretch the payment window', async () => {
  // A deployment that ships with a real carrier (no sandbox events) and captures within a minute.
  const real = await startTestWorkers(undefined, undefined, {
    policy: testPolicy({ sandboxCarrier: false, paymentWindowMs: 60_000 }),
  });
  try {
    const sku = await seedSku(real.pool, { priceCents: 1_000, stock: { east: 1 } });
    const { handle, orderId } = await place(
      real.client,
      orderRequest({ items: [{ sku, quantity: 1 }] }),
      { sandboxCarrier: true, carrierSendsEvents: true, transitTimeMs: 1, paymentWindowMs: 24 * 60 * 60_000 },
      real.prefix,
    );
    const booked = await waitForView(handle, (v) => v.shipments[0]?.status === 'Booked');
    // No sandbox carrier run was handed the parcel, so no event will come by itself.
    const runs = await real.pool.query('SELECT 1 FROM sandbox_carrier_runs WHERE shipment_id = $1', [
      booked.shipments[0]!.shipmentId,
    ]);
    expect(runs.rowCount).toBe(0);
    // The authorization's window is the workers' minute, not the placer's day.
    const { rows } = await real.pool.query<{ left_s: number }>(
      `SELECT extract(epoch FROM expires_at - now())::float AS left_s FROM payment_operations
       WHERE order_id = $1 AND operation = 'authorize'`,
      [orderId],
    );
    expect(rows[0]!.left_s).toBeLessThanOrEqual(60);
    expect((await handle.query(statusQuery)).status).toBe('Processing');
    await handle.terminate('test over');
  } finally {
    await real.stop();
  }
});
