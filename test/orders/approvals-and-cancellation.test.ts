import { spawn } from 'node:child_process';
import { shipmentId } from '../../src/domain';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { resolveTemporalCli } from '../../tools/dev-stack/temporal-cli';
import { OrderExists } from '../../src/placement/place-order';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  carrierEventSignal,
  rejectUpdate,
  statusQuery,
} from '../../workflows/order-api';
import {
  orderRequest,
  paymentOps,
  place,
  seedSku,
  stockOf,
  testPolicy,
  testSettings,
  uid,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { signedDecision } from '../support/decisions';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

/** An order of 1,200.00: over the 1,000.00 threshold, so it waits for a human. */
async function bigOrder(settings = testSettings(), on: TestWorkers = stack) {
  const sku = await seedSku(on.pool, { priceCents: 120_000, stock: { east: 3 } });
  const placed = await place(on.client, orderRequest({ items: [{ sku, quantity: 1 }] }), settings, on.prefix);
  await waitForView(placed.handle, (v) => v.status === 'AwaitingApproval');
  return { ...placed, sku };
}

test('approved by an authorised approver → paid and Delivered', async () => {
  const { handle, orderId } = await bigOrder();
  const afterApproval = await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', note: 'known customer' }] });
  expect(afterApproval.approval).toMatchObject({ decision: 'approved', by: 'alice' });
  expect((await handle.result()).status).toBe('Delivered');
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
});

test('an unknown approver is refused by the update validator and changes nothing', async () => {
  const { handle } = await bigOrder();
  const attempt = handle.executeUpdate(approveUpdate, { args: [{ by: 'mallory' }] });
  await expect(attempt).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(attempt).rejects.toMatchObject({ cause: { message: '"mallory" is not an authorised approver' } });
  // The same request as a Signal (Web UI, temporal CLI) is recorded as refused, never applied;
  // so is a payload of the wrong shape, which must not break the workflow.
  await handle.signal(approveSignal, { proof: 'not a decision' } as never);
  await waitForView(handle, (v) =>
    v.history.some((h) => h.note === 'refused approve signal: the signed decision must be an object'),
  );
  await handle.signal(approveSignal, { by: 'mallory' });
  const view = await waitForView(handle, (v) => v.history.some((h) => h.note?.startsWith('refused approve signal')));
  expect(view.status).toBe('AwaitingApproval');
  await handle.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'cleanup' }] });
  expect((await handle.result()).status).toBe('Cancelled');
});

test('a valid approve Signal works like the Update', async () => {
  const { handle } = await bigOrder();
  await handle.signal(approveSignal, { by: 'bob' });
  expect((await handle.result()).status).toBe('Delivered');
});

test('rejected → Cancelled, reservation released, nothing charged', async () => {
  const { handle, orderId, sku } = await bigOrder();
  await handle.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'suspicious volume' }] });
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'approval-rejected' });
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
});

test('no decision in time → reminder half-way, then auto-reject and compensation', async () => {
  // The approval window is the workers' policy, not something the order's placer can choose.
  const shortWindow = await startTestWorkers(undefined, undefined, {
    policy: testPolicy({ approvalTimeoutMs: 2_000 }),
  });
  const { handle, orderId, sku } = await bigOrder(testSettings(), shortWindow);
  const view = await handle.result().finally(() => shortWindow.stop());
  expect(view).toMatchObject({
    status: 'Cancelled',
    failureReason: 'approval-timeout',
    approval: { decision: 'timed-out' },
  });
  expect(view.history.some((h) => h.note?.startsWith('reminder'))).toBe(true);
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
});

test('cancel before shipping compensates; the update answers with the final state', async () => {
  const { handle, orderId, sku } = await bigOrder();
  const final = await handle.executeUpdate(cancelUpdate, {
    args: [{ reason: 'changed my mind', onBehalfOf: 'customer' }],
  });
  expect(final).toMatchObject({ status: 'Cancelled', failureReason: 'cancelled-by-customer' });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
});

test('a cancel that does not say the customer asked is an operator’s: a Web UI signal and a bare Update, recorded as such', async () => {
  for (const send of ['signal', 'update'] as const) {
    const { handle, orderId } = await bigOrder();
    if (send === 'signal') await handle.signal(cancelSignal, { reason: 'from the Web UI' });
    else await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'no by, no customer' }] });
    expect(await handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'cancelled-by-operator' });
    const { rows } = await stack.pool.query('SELECT failure_reason FROM orders WHERE order_id = $1', [orderId]);
    expect(rows[0]).toEqual({ failure_reason: 'cancelled-by-operator' });
  }
});

test('cancel after the Shipped milestone is refused with the reason; the order still completes', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 3_000, stock: { west: 2 } });
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings({ sandboxCarrier: false }),
    stack.prefix,
  );
  await waitForView(handle, (v) => v.shipments.length === 1 && v.shipments[0]!.status === 'Booked');
  // v0.8: the order follows its parcel itself; the carrier's event names the parcel.
  const parcel = shipmentId(orderId, 'west');
  await handle.signal(carrierEventSignal, { event: 'picked-up', shipmentId: parcel });
  await waitForView(handle, (v) => v.status === 'Shipped');
  const attempt = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'too late' }] });
  await expect(attempt).rejects.toMatchObject({
    cause: { message: expect.stringContaining('can no longer be cancelled') },
  });
  await handle.signal(carrierEventSignal, { event: 'delivered', shipmentId: parcel });
  expect((await handle.result()).status).toBe('Delivered');
});

test('placing the same order id twice starts one workflow and charges once', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 2_000, stock: { east: 5 } });
  const request = orderRequest({ orderId: uid('dup'), items: [{ sku, quantity: 1 }] });
  const first = await place(stack.client, request, testSettings(), stack.prefix);
  await expect(place(stack.client, request, testSettings(), stack.prefix)).rejects.toThrow(OrderExists);
  expect((await first.handle.result()).status).toBe('Delivered');
  await expect(place(stack.client, request, testSettings(), stack.prefix)).rejects.toThrow(OrderExists);
  expect((await paymentOps(stack.pool, request.orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 4, reserved: 0 } });
});

test('cancelling the run itself (Web UI "Cancel") also compensates', async () => {
  const { handle, orderId, sku } = await bigOrder();
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow();
  const { rows } = await stack.pool.query('SELECT status, failure_reason FROM orders WHERE order_id = $1', [orderId]);
  expect(rows[0]).toEqual({ status: 'Cancelled', failure_reason: 'cancelled-by-operator' });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
});

/** The `temporal` CLI path documented in the README, run for real against the suite's server. */
function temporalCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    void resolveTemporalCli({ allowBuild: false, allowDownload: false }).then((cli) => {
      if (cli.kind !== 'path') return reject(new Error('no temporal CLI'));
      const child = spawn(cli.path, [...args, '--address', process.env.TEMPORAL_ADDRESS!], { stdio: 'pipe' });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    }, reject);
  });
}

test('`temporal workflow signal|update` with full Temporal access: unsigned is refused, a signed decision is obeyed', async () => {
  const { handle, orderId } = await bigOrder();
  const send = (kind: 'signal' | 'update', input: object) =>
    temporalCli([
      'workflow',
      ...(kind === 'signal' ? ['signal'] : ['update', 'execute']),
      '--workflow-id',
      handle.workflowId,
      '--name',
      'approve',
      '--input',
      JSON.stringify(input),
    ]);
  // The attack issue 28 measured: plain JSON naming an approver, straight to Temporal.
  const update = await send('update', { by: 'alice' });
  expect(update.code).not.toBe(0);
  expect(update.stderr).toMatch(/unsigned approve is refused/);
  expect((await send('signal', { by: 'alice' })).code).toBe(0);
  await waitForView(handle, (v) =>
    v.history.some((h) => h.note?.startsWith('refused approve signal: an unsigned approve is refused')),
  );
  expect((await handle.query(statusQuery)).status).toBe('AwaitingApproval');
  // A decision the key holder signed is good over any channel, once.
  const proof = signedDecision({ orderId, decision: 'approve', by: 'alice', role: 'approver' }, undefined, {
    note: 'via temporal CLI',
  });
  // The note is signed too: the same proof with another note is refused.
  expect((await send('update', { by: 'alice', note: 'swapped', proof })).stderr).toMatch(
    /says something else than what was signed/,
  );
  expect((await send('signal', { by: 'alice', note: 'via temporal CLI', proof })).code).toBe(0);
  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  expect(view.history.some((h) => h.note === 'approved by alice (approver, signed): via temporal CLI')).toBe(true);
});
