/**
 * Back-orders on the real stack: orders short of stock wait on the SKU's waitlist (a long-running
 * workflow per SKU), a restock through `orders catalog upsert` releases them first come first
 * served, a deadline cancels one that waited in vain, and the waitlist carries its queue across
 * continue-as-new boundaries.
 */
import { SERVICES, backorderWorkflowId, type WaitlistInput } from '../../src/domain';
import { joinWaitlistSignal, leaveWaitlistSignal, waitlistQuery } from '../../workflows/backorder-api';
import { cliEnv } from '../support/cli';
import {
  orderRequest,
  paymentOps,
  placeOneLine,
  place,
  seedSku,
  stockOf,
  testSettings,
  uid,
  waitForView,
} from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers(SERVICES);
});
afterAll(() => stack.stop());

const backorder = (ms: number) => testSettings({ backorderMs: ms });

async function waitlist(sku: string) {
  return stack.client.workflow.getHandle(backorderWorkflowId(sku, stack.prefix)).query(waitlistQuery);
}

/** `orders catalog upsert`: on-hand count at east set to `onHand` (what an operator's restock does). */
async function restock(sku: string, onHand: number) {
  const r = await runCli(
    [
      'catalog',
      'upsert',
      '--sku',
      sku,
      '--name',
      'Back-ordered gadget',
      '--price',
      '25.00',
      '--currency',
      'USD',
      '--stock',
      String(onHand),
      '--warehouse',
      'east',
    ],
    cliEnv(stack.prefix),
  );
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
}

test('two orders short of stock wait in line; each restock releases the one at the head, which then completes', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 0 } });
  const order = () =>
    place(stack.client, orderRequest({ items: [{ sku, quantity: 1 }] }), backorder(120_000), stack.prefix);
  const first = await order();
  const firstView = await waitForView(first.handle, (v) => v.status === 'Backordered');
  expect(firstView.backorder).toMatchObject({ skus: [sku] });
  const second = await order();
  await waitForView(second.handle, (v) => v.status === 'Backordered');
  expect((await waitlist(sku)).waiting.map((w) => w.orderId)).toEqual([first.orderId, second.orderId]);

  expect(await restock(sku, 1)).toContain(`Back-orders: told the waitlist of ${sku}`);
  expect((await first.handle.result()).status).toBe('Delivered');
  expect((await second.handle.query('status')) as { status: string }).toMatchObject({ status: 'Backordered' });
  expect((await waitlist(sku)).waiting.map((w) => w.orderId)).toEqual([second.orderId]);

  await restock(sku, 1); // the first order's unit left with its parcel: one more on the shelf
  const done = await second.handle.result();
  expect(done.status).toBe('Delivered');
  expect(done.history.map((h) => h.status)).toContain('Backordered');
  expect(done.backorder).toBeUndefined();
  expect((await waitlist(sku)).waiting).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 0, reserved: 0 } });
  for (const o of [first, second])
    expect((await paymentOps(stack.pool, o.orderId)).map((p) => `${p.operation}:${p.status}`)).toEqual([
      'authorize:approved',
      'capture:approved',
    ]);
  const events = await stack.pool.query(
    `SELECT status FROM order_status_history WHERE order_id = $1 AND status = 'Backordered'`,
    [second.orderId],
  );
  expect(events.rowCount).toBe(1);
});

test('a back-order whose deadline passes without a restock is cancelled as out of stock and leaves the waitlist', async () => {
  const { handle, orderId, sku } = await placeOneLine(stack, {
    priceCents: 2_500,
    stock: { east: 0 },
    quantity: 2,
    settings: backorder(2_000),
  });
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'out-of-stock' });
  expect(view.history.map((h) => h.status)).toEqual(expect.arrayContaining(['Backordered', 'Cancelled']));
  expect(view.history.at(-1)?.note).toContain('out-of-stock');
  expect((await waitlist(sku)).waiting).toEqual([]);
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 0, reserved: 0 } });
});

test('without --backorder an order short of stock is cancelled at once, as before', async () => {
  const { handle } = await placeOneLine(stack, { priceCents: 2_500, stock: { east: 0 } });
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'out-of-stock' });
  expect(view.history.map((h) => h.status)).not.toContain('Backordered');
});

test('the waitlist continues as new past its history limit, carrying the queue in order', async () => {
  const sku = uid('SKU-CAN');
  const workflowId = backorderWorkflowId(sku, stack.prefix);
  const handle = await stack.client.workflow.start('backorderWaitlistWorkflow', {
    workflowId,
    taskQueue: stack.ordersQueue,
    args: [{ sku, waiting: [], recheckMs: 3_600_000, historyLimit: 12 } satisfies WaitlistInput],
  });
  const firstRunId = handle.firstExecutionRunId;
  const ids = Array.from({ length: 45 }, (_, i) => `wait-${String(i).padStart(2, '0')}`);
  for (const [i, orderId] of ids.entries()) {
    await handle.signal(joinWaitlistSignal, {
      orderId,
      orderWorkflowId: `order-${orderId}`,
      quantity: 1,
      joinedAt: new Date(Date.now() + i).toISOString(),
    });
    // Every third one leaves again: the queue is what remains, in the order they joined.
    if (i % 3 === 2) await handle.signal(leaveWaitlistSignal, { orderId });
  }
  const view = await handle.query(waitlistQuery);
  expect(view.generation).toBeGreaterThanOrEqual(4);
  expect(view.waiting.map((w) => w.orderId)).toEqual(ids.filter((_, i) => i % 3 !== 2));
  const current = await stack.client.workflow.getHandle(workflowId).describe();
  expect(current.runId).not.toBe(firstRunId);
  expect(current.status.name).toBe('RUNNING');
  await handle.terminate('test done');
});
