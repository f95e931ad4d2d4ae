import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { createInventoryActivities } from '../../activities/inventory/activities';
import { createOrderActivities } from '../../activities/orders/activities';
import { createPaymentActivities } from '../../activities/payments/activities';
import { cancelUpdate } from '../../workflows/order-api';
import { orderRecoveryWorkflow } from '../../workflows/recovery';
import { createPool } from '../../src/db/pool';
import { ERROR_TYPES } from '../../src/domain';
import {
  carrierEvent,
  eventually,
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

// Faults are injected by replacing one activity of a real worker; everything else is the real stack.
const pool = createPool(process.env.DATABASE_URL!, 2);
const realInventory = createInventoryActivities(pool);
const realOrders = createOrderActivities(pool);
const running: TestWorkers[] = [];

async function workers(opts: Parameters<typeof startTestWorkers>[2]) {
  const w = await startTestWorkers(undefined, undefined, opts);
  running.push(w);
  return w;
}
afterAll(async () => {
  for (const w of running) await w.stop();
  await pool.end();
});

/** One unit of a SKU of the test's own (`onHand` in stock, east), placed on `w`. */
async function oneUnitOrder(w: TestWorkers, opts: { onHand: number; token?: string; sandboxCarrier?: boolean }) {
  const sku = await seedSku(w.pool, { priceCents: 2_000, stock: { east: opts.onHand } });
  const order = orderRequest({ items: [{ sku, quantity: 1 }], ...(opts.token ? { token: opts.token } : {}) });
  const settings = testSettings(opts.sandboxCarrier === false ? { sandboxCarrier: false } : {});
  return { ...(await place(w.client, order, settings, w.prefix)), sku };
}

/** Paid with a declined card: the saga runs right after authorize. */
const declinedOrder = (w: TestWorkers) => oneUnitOrder(w, { onHand: 2, token: 'tok_declined' });

async function needsAttentionInVisibility(w: TestWorkers, workflowId: string): Promise<boolean> {
  const query = `WorkflowId = '${workflowId}' AND NeedsAttention = true`;
  for await (const _ of w.client.workflow.list({ query })) return true;
  return false;
}

test('void failing for good: the release after it still runs, the order ends Cancelled with its reason and NeedsAttention', async () => {
  const w = await workers({
    activities: {
      payments: {
        void: async () => {
          throw ApplicationFailure.nonRetryable('the gateway refuses voids today', ERROR_TYPES.InvalidInput);
        },
      },
    },
  });
  const { handle, workflowId, sku } = await declinedOrder(w);
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'payment-declined' });
  expect(view.needsAttention?.reason).toMatch(/compensation "void authorization" failed: the gateway refuses voids/);
  expect(view.history.at(-1)?.note).toMatch(/not undone: void authorization/);
  expect(await stockOf(w.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
  await eventually(async () => ((await needsAttentionInVisibility(w, workflowId)) ? true : undefined));
});

test('a refund failing for good is never reported as Refunded: the order keeps its status, flagged, and orders recover settles it later', async () => {
  let refunds = 'refused';
  const realPayments = createPaymentActivities(pool);
  const w = await workers({
    activities: {
      payments: {
        refund: async (input: { orderId: string }) => {
          if (refunds === 'refused')
            throw ApplicationFailure.nonRetryable('the gateway refuses refunds today', ERROR_TYPES.InvalidInput);
          return realPayments.refund(input);
        },
      },
    },
  });
  const { handle, orderId, sku } = await oneUnitOrder(w, { onHand: 2, sandboxCarrier: false });
  await waitForView(handle, (v) => v.shipments.some((s) => s.status === 'Booked'));
  const view = await handle
    .executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] })
    .catch(() => undefined);
  const final = view ?? (await handle.result());
  expect(final.status).toBe('Processing'); // not Refunded: no money went back
  expect(final.needsAttention?.reason).toMatch(/compensation "refund payment" failed: the gateway refuses refunds/);
  expect((await paymentOps(w.pool, orderId)).map((o) => o.operation)).toEqual(['authorize', 'capture']);
  const { rows } = await w.pool.query('SELECT status, attention FROM orders WHERE order_id = $1', [orderId]);
  expect(rows[0]).toEqual({ status: 'Processing', attention: 'not undone: refund payment' });
  expect(await stockOf(w.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } }); // the rest was undone

  // Later, the gateway takes refunds again: a recovery settles what the run could not.
  refunds = 'taken';
  const recovered = await w.client.workflow.execute(orderRecoveryWorkflow, {
    workflowId: `recover-${orderId}`,
    taskQueue: w.ordersQueue,
    args: [{ orderId, closedAs: 'COMPLETED' }],
  });
  expect(recovered).toMatchObject({ outcome: 'undone', status: 'Refunded' });
  expect((await paymentOps(w.pool, orderId)).map((o) => o.operation)).toEqual(['authorize', 'capture', 'refund']);
  const after = await w.pool.query('SELECT status, attention FROM orders WHERE order_id = $1', [orderId]);
  expect(after.rows[0]).toEqual({ status: 'Refunded', attention: null });
});

test('a compensation that keeps failing marks the order past the bound, retries on, and clears the mark when it succeeds', async () => {
  let warehouseDown = true;
  const w = await workers({
    policy: testPolicy({ compensationAlertMs: 1_000 }),
    activities: {
      inventory: {
        release: async (input: { orderId: string }) => {
          if (warehouseDown) throw new Error('warehouse system unreachable'); // retryable
          return realInventory.release(input);
        },
      },
    },
  });
  const { handle, workflowId, sku } = await declinedOrder(w);
  const marked = await waitForView(handle, (v) => v.needsAttention !== undefined);
  expect(marked.needsAttention?.reason).toMatch(/compensation "release inventory" is still retrying/);
  await eventually(async () => ((await needsAttentionInVisibility(w, workflowId)) ? true : undefined));
  expect(await stockOf(w.pool, sku)).toEqual({ east: { onHand: 2, reserved: 1 } });

  warehouseDown = false;
  const view = await handle.result();
  expect(view).toMatchObject({ status: 'Cancelled', failureReason: 'payment-declined' });
  expect(view.needsAttention).toBeUndefined();
  expect(view.history.some((h) => h.note === 'resolved: compensation "release inventory" done')).toBe(true);
  expect(await stockOf(w.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
  await eventually(async () => ((await needsAttentionInVisibility(w, workflowId)) ? undefined : true));
});

test('an infrastructure error is retried past the old five attempts: the order is delivered, not cancelled', async () => {
  let failures = 0;
  const w = await workers({
    activities: {
      orders: {
        screenCustomer: async (input: Parameters<typeof realOrders.screenCustomer>[0]) => {
          if (failures < 5) {
            failures += 1;
            throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          }
          return realOrders.screenCustomer(input);
        },
      },
    },
  });
  const { handle, orderId } = await oneUnitOrder(w, { onHand: 1 });
  expect((await handle.result()).status).toBe('Delivered');
  expect(failures).toBe(5);
  expect((await paymentOps(w.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
}, 90_000);

test('an unexpected failure is an internal error, not a customer’s cancellation: undone, recorded, and the run fails', async () => {
  const w = await workers({
    activities: {
      orders: {
        screenCustomer: async () => {
          throw ApplicationFailure.nonRetryable('rules engine bug', 'RulesEngineBug');
        },
      },
    },
  });
  const { handle, orderId, sku } = await oneUnitOrder(w, { onHand: 1 });
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const view = await waitForView(handle, (v) => v.status === 'Cancelled');
  expect(view.failureReason).toBe('internal-error');
  expect(await stockOf(w.pool, sku)).toEqual({ east: { onHand: 1, reserved: 0 } });
  const { rows } = await w.pool.query('SELECT status, failure_reason FROM orders WHERE order_id = $1', [orderId]);
  expect(rows[0]).toEqual({ status: 'Cancelled', failure_reason: 'internal-error' });
});

test('mixed currencies are refused as such, not as out of stock', async () => {
  const w = await workers({});
  const usd = await seedSku(w.pool, { priceCents: 1_000, stock: { east: 1 } });
  const eur = uid('SKU');
  await w.pool.query(`INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES ($1, $1, 900, 'EUR')`, [eur]);
  const { handle } = await place(
    w.client,
    orderRequest({
      items: [
        { sku: usd, quantity: 1 },
        { sku: eur, quantity: 1 },
      ],
    }),
    testSettings(),
    w.prefix,
  );
  expect(await handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'mixed-currency' });
});

test('a carrier silent past the deadline marks the order NeedsAttention (lost parcel); its next event clears it', async () => {
  const w = await workers({ policy: testPolicy({ carrierDeadlineMs: 800 }) });
  const { handle, workflowId } = await oneUnitOrder(w, { onHand: 1, sandboxCarrier: false });
  const lost = await waitForView(handle, (v) => v.needsAttention !== undefined);
  expect(lost.needsAttention?.reason).toMatch(/no "picked-up" from the carrier/);
  await eventually(async () => ((await needsAttentionInVisibility(w, workflowId)) ? true : undefined));
  await carrierEvent(w.client, lost, 'delivered');
  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  expect(view.needsAttention).toBeUndefined();
});
