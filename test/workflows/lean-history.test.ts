/**
 * v0.3's leaner history (patch `lean-history`, workflows/patches.ts), on the real stack: the order's
 * search attributes are written once per workflow task and still end as its state (and show it
 * while it waits); the address check runs as a local activity and still refuses; the shipment keeps
 * one deadline timer, and the shipping service's activities, not the shipment, tell the order
 * Booked and picked-up.
 * (Runs started before the patch keep their path: test/workflows/replay.test.ts, patched.test.ts.)
 */
import type { WorkflowHandle } from '@temporalio/client';
import { SERVICES } from '../../src/domain';
import {
  CustomerIdKey,
  NeedsApprovalKey,
  NeedsAttentionKey,
  OrderStatusKey,
  OrderTotalCentsKey,
} from '../../workflows/search-attribute-keys';
import {
  eventually,
  orderRequest,
  paymentOps,
  place,
  placeOneLine,
  scheduledActivities,
  seedSku,
  stockOf,
  testPolicy,
  testSettings,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers(SERVICES, undefined, { policy: testPolicy() });
});
afterAll(() => stack.stop());

/** Upserts per workflow task: the events after each WORKFLOW_TASK_COMPLETED up to the next task. */
async function upsertsPerTask(handle: WorkflowHandle): Promise<{ perTask: number[]; keys: string[][] }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const perTask: number[] = [];
  const keys: string[][] = [];
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) perTask.push(0);
    const fields = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
    // The SDK's own upsert beside a patch marker (TemporalChangeVersion) is not the order's.
    if (fields.length > 0 && !fields.includes('TemporalChangeVersion')) {
      perTask[perTask.length - 1]! += 1;
      keys.push(fields.sort());
    }
  }
  return { perTask, keys };
}

test('a delivered order writes its search attributes at most once per workflow task, and they end as its final state', async () => {
  const { handle } = await placeOneLine(stack, { priceCents: 2_500, stock: { east: 3 } });
  const view = await handle.result();
  expect(view.status).toBe('Delivered');

  const { perTask, keys } = await upsertsPerTask(handle);
  expect(Math.max(...perTask)).toBe(1);
  // The start set OrderStatus=Created and CustomerId: the first write is the price, not a repeat of those.
  expect(keys[0]).toEqual(['NeedsApproval', 'OrderStatus', 'OrderTotalCents']);
  // Each status is one write, not two: fewer writes than the statuses the order passed through.
  const statuses = view.history.map((h) => h.status).filter((s, i, all) => s !== all[i - 1]);
  expect(keys.length).toBeLessThan(statuses.length - 1);

  const attributes = (await handle.describe()).typedSearchAttributes;
  expect(attributes.get(OrderStatusKey)).toBe('Delivered');
  expect(attributes.get(CustomerIdKey)).toBe(view.customerId);
  expect(attributes.get(OrderTotalCentsKey)).toBe(view.totalCents);
  expect(attributes.get(NeedsApprovalKey)).toBe(false);
  expect(attributes.get(NeedsAttentionKey)).toBeUndefined();
});

test('an order waiting for approval is found by its AwaitingApproval status while it waits', async () => {
  const { handle } = await placeOneLine(stack, { priceCents: 150_000, stock: { east: 2 } });
  const query = `WorkflowId = '${handle.workflowId}' AND OrderStatus = 'AwaitingApproval' AND NeedsApproval = true`;
  const found = await eventually(async () => {
    for await (const _ of stack.client.workflow.list({ query })) return true;
    return undefined;
  });
  expect(found).toBe(true);
  await handle.terminate('test done');
});

/** A workflow's events, each named by its attributes field (timerStartedEventAttributes → timerStarted), signals with their name. */
async function eventTypes(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.map((e) => {
    const field = Object.keys(e).find((k) => k.endsWith('EventAttributes') && e[k as keyof typeof e]);
    const type = field?.replace(/EventAttributes$/, '') ?? 'unknown';
    const signal = e.workflowExecutionSignaledEventAttributes?.signalName;
    return signal ? `${type}:${signal}` : type;
  });
}
const count = (types: string[], type: string) => types.filter((t) => t === type).length;

test('the order follows its parcel itself (v0.8): one deadline timer, no child, no report, the carrier events signalled to it', async () => {
  const { handle } = await placeOneLine(stack, { priceCents: 1_000, stock: { east: 2 } });
  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  const orderEvents = await eventTypes(handle);
  expect(count(orderEvents, 'startChildWorkflowExecutionInitiated')).toBe(0);
  expect(count(orderEvents, 'timerStarted')).toBe(1); // the parcel's carrier deadline
  expect(count(orderEvents, 'timerCanceled')).toBe(0);
  expect(count(orderEvents, 'signalExternalWorkflowExecutionInitiated')).toBe(0);
  // Booked was the booking's result, picked-up the carrier's own event: no shipmentProgress report.
  expect(orderEvents.filter((t) => t.endsWith(':shipmentProgress'))).toHaveLength(0);
  expect(orderEvents.filter((t) => t.endsWith(':carrierEvent'))).toHaveLength(3);
  const { rows } = await stack.pool.query('SELECT followed_by FROM shipments WHERE shipment_id = $1', [
    view.shipments[0]!.shipmentId,
  ]);
  expect(rows).toEqual([{ followed_by: handle.workflowId }]);
  // The address check was a local activity: no task on the shipping queue for it.
  const scheduled = await scheduledActivities(handle);
  expect(scheduled).not.toContain('validateAddress');
  expect(scheduled).toEqual(expect.arrayContaining(['reserve', 'authorize', 'capture']));
});

test('an address the check refuses cancels the order as invalid-address, its stock released and no money moved', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 2 } });
  const request = orderRequest({ items: [{ sku, quantity: 1 }] });
  // Placement allows it (letters, digits, spaces, "-"); the shipping check wants a letter or digit.
  request.shippingAddress = { ...request.shippingAddress, postalCode: '- -' };
  const { handle, orderId } = await place(stack.client, request, testSettings(), stack.prefix);
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'invalid-address' });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
});
