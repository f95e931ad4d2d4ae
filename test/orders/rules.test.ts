/**
 * Business rules as versioned data, on the real stack (this file's deployment scope is its own
 * TASK_QUEUE_PREFIX, so its rule changes touch no other test): a lowered threshold makes the next
 * order wait for approval while a running order keeps the version it started with; bands name who
 * may approve; the risk rules refuse a blocked destination; shipping fees come from the rules.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { saveRuleSet } from '../../activities/orders/store/rules';
import { defaultRuleSet, type RuleSet } from '../../src/domain';
import { approveUpdate } from '../../workflows/order-api';
import { carrierEvent, orderRequest, place, seedSku, testSettings, waitForView } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(120_000);

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

const rulesVersionOf = async (orderId: string) =>
  (await stack.pool.query('SELECT rules_version FROM orders WHERE order_id = $1', [orderId])).rows[0]?.rules_version;

test('a lowered threshold: the next order waits for approval (by its band), a running one keeps its version', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 6_000, stock: { east: 5 } });
  // A running order under the built-in rules (version 0): parcels wait for the carrier by hand.
  const running = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings({ sandboxCarrier: false }),
    stack.prefix,
  );
  const booked = await waitForView(running.handle, (v) => v.shipments.some((s) => s.status === 'Booked'));
  expect(booked).toMatchObject({ rulesVersion: 0, needsApproval: false });

  const lowered: RuleSet = defaultRuleSet(100_000);
  lowered.approval = { thresholdCents: 5_000, bands: [{ fromCents: 5_000, approvers: ['dora'] }] };
  const saved = await saveRuleSet(stack.pool, stack.prefix, lowered, 'test: approval from 50.00');
  expect(saved.version).toBe(1);

  const next = await place(stack.client, orderRequest({ items: [{ sku, quantity: 1 }] }), testSettings(), stack.prefix);
  const waiting = await waitForView(next.handle, (v) => v.status === 'AwaitingApproval');
  expect(waiting).toMatchObject({ rulesVersion: 1, needsApproval: true });
  expect(await rulesVersionOf(next.orderId)).toBe(1);
  // The band names dora: the configured approvers (alice, bob) may not decide this one.
  const byAlice = await next.handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] }).catch((e: unknown) => e);
  expect(byAlice).toBeInstanceOf(WorkflowUpdateFailedError);
  await next.handle.executeUpdate(approveUpdate, { args: [{ by: 'dora' }] });
  expect((await next.handle.result()).status).toBe('Delivered');

  // The running order never asked for approval and finishes under version 0.
  await carrierEvent(stack.client, booked, 'delivered');
  const done = await running.handle.result();
  expect(done).toMatchObject({ status: 'Delivered', rulesVersion: 0, needsApproval: false });
  expect(done.approval).toBeUndefined();
  expect(await rulesVersionOf(running.orderId)).toBe(0);
});

test('risk rules and fees from the rule set: a blocked destination is refused, shipping costs what the rules say', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 5 } });
  const rules = defaultRuleSet(100_000);
  rules.risk.blockedCountries = ['FR'];
  rules.shipping = { standardCents: 700, expressCents: 2_000, freeStandardFromCents: 100_000 };
  await saveRuleSet(stack.pool, stack.prefix, rules, 'test: FR blocked, dearer shipping');

  const blocked = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], country: 'FR' }),
    testSettings(),
    stack.prefix,
  );
  expect(await blocked.handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'fraud-suspected' });
  const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM payment_operations WHERE order_id = $1`, [
    blocked.orderId,
  ]);
  expect(rows[0].n).toBe(0);

  const fine = await place(stack.client, orderRequest({ items: [{ sku, quantity: 1 }] }), testSettings(), stack.prefix);
  expect(await fine.handle.result()).toMatchObject({ status: 'Delivered', shippingCents: 700, totalCents: 1_700 });
});

test('velocity from the rule set: a customer’s second order within the window is refused, counted from the database', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 5 } });
  const rules = defaultRuleSet(100_000);
  rules.risk.velocity = { maxOrders: 1, windowHours: 1 };
  await saveRuleSet(stack.pool, stack.prefix, rules, 'test: one order per hour');
  const customerId = `cust-velocity-${Date.now()}`;
  const first = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], customerId }),
    testSettings(),
    stack.prefix,
  );
  expect((await first.handle.result()).status).toBe('Delivered');
  const second = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }], customerId }),
    testSettings(),
    stack.prefix,
  );
  expect(await second.handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'fraud-suspected' });
});
