import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Pool } from 'pg';
import {
  CARRIER_EVENTS,
  carrierMessage,
  parcelFollower,
  type CarrierEventMessage,
  type CarrierEventType,
  type ProductType,
  type OrderPolicy,
  type OrderSettings,
  type OrderView,
} from '../../src/domain';
import { carrierEventRecorder } from '../../activities/shipping/activities';
import { handleCarrierEvent } from '../../src/events/carrier-inbox';
import { httpPaymentMethodVault, type PaymentMethodVault } from '../../src/placement/payment-methods';
import { placeOrder } from '../../src/placement/place-order';
import { TEST_ADDRESS } from './cli';
import { carrierEventSignal, statusQuery } from '../../workflows/order-api';
import type { orderWorkflow } from '../../workflows/order';

/** Short durations: there is no time-skipping server here, so tests run on real time, briefly. */
export function testSettings(overrides: Partial<OrderSettings> = {}): OrderSettings {
  return {
    transitTimeMs: 300,
    paymentWindowMs: 60_000,
    sandboxCarrier: true,
    carrierSendsEvents: true,
    ...overrides,
  };
}

/** The workers' policy in tests (the workers, not the order's placer, decide it). */
export function testPolicy(overrides: Partial<OrderPolicy> = {}): OrderPolicy {
  return {
    approvalThresholdCents: 100_000,
    approvers: ['alice', 'bob'],
    approvalTimeoutMs: 60_000,
    carrierDeadlineMs: 60_000,
    compensationAlertMs: 60_000,
    sandboxCarrier: true,
    transitTimeMs: 300,
    paymentWindowMs: 60_000,
    ...overrides,
  };
}

export const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A SKU of the test's own, so tests never fight over the demo catalog's stock. */
export async function seedSku(
  pool: Pool,
  opts: { priceCents: number; stock: Record<string, number> },
): Promise<string> {
  const sku = uid('SKU');
  await pool.query(`INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES ($1, $2, $3, 'USD')`, [
    sku,
    `Test item ${sku}`,
    opts.priceCents,
  ]);
  for (const [warehouse, onHand] of Object.entries(opts.stock)) {
    await pool.query(`INSERT INTO warehouses (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING`, [warehouse]);
    await pool.query(`INSERT INTO stock (sku, warehouse_id, on_hand, reserved) VALUES ($1, $2, $3, 0)`, [
      sku,
      warehouse,
      onHand,
    ]);
  }
  return sku;
}

/** A catalog item of a type without stock (digital, gift card), or a pre-order released at `releaseAt`. */
export async function seedTypedSku(
  pool: Pool,
  type: ProductType,
  priceCents: number,
  releaseAt?: Date,
): Promise<string> {
  const sku = uid(type.toUpperCase());
  await pool.query(
    `INSERT INTO catalog_items (sku, name, price_cents, currency, product_type, release_at) VALUES ($1, $1, $2, 'USD', $3, $4)`,
    [sku, priceCents, type, releaseAt ?? null],
  );
  if (type === 'preorder') {
    await pool.query(`INSERT INTO warehouses (id, name) VALUES ('east', 'east') ON CONFLICT (id) DO NOTHING`);
    await pool.query(`INSERT INTO stock (sku, warehouse_id, on_hand, reserved) VALUES ($1, 'east', 5, 0)`, [sku]);
  }
  return sku;
}

export async function stockOf(pool: Pool, sku: string): Promise<Record<string, { onHand: number; reserved: number }>> {
  const { rows } = await pool.query('SELECT warehouse_id, on_hand, reserved FROM stock WHERE sku = $1', [sku]);
  return Object.fromEntries(rows.map((r) => [r.warehouse_id, { onHand: r.on_hand, reserved: r.reserved }]));
}

export async function paymentOps(
  pool: Pool,
  orderId: string,
): Promise<Array<{ operation: string; status: string; amount_cents: string }>> {
  const { rows } = await pool.query(
    'SELECT operation, status, amount_cents FROM payment_operations WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows;
}

/** The read model's row of an order: status, failure reason, and what people must look at. */
export async function readModelOf(
  pool: Pool,
  orderId: string,
): Promise<{ status: string; failure_reason: string | null; attention: string | null } | undefined> {
  const { rows } = await pool.query('SELECT status, failure_reason, attention FROM orders WHERE order_id = $1', [
    orderId,
  ]);
  return rows[0];
}

export function orderRequest(opts: {
  items: Array<{ sku: string; quantity: number }>;
  token?: string;
  country?: string;
  orderId?: string;
  customerId?: string;
}) {
  return {
    orderId: opts.orderId ?? uid('ord'),
    customerId: opts.customerId ?? 'cust-1',
    items: opts.items,
    shippingAddress: { ...TEST_ADDRESS, country: opts.country ?? TEST_ADDRESS.country },
    payment: { method: 'card', token: opts.token ?? 'tok_ok' },
  };
}

export async function place(
  client: Client,
  request: ReturnType<typeof orderRequest>,
  settings: OrderSettings,
  taskQueuePrefix: string,
) {
  const placed = await placeOrder(client, request, { settings, taskQueuePrefix, vault: testVault() });
  return { ...placed, handle: client.workflow.getHandle<typeof orderWorkflow>(placed.workflowId) };
}

/** A SKU of the test's own and one order of it: how most single-order tests begin. */
export async function placeOneLine(
  on: { client: Client; pool: Pool; prefix: string },
  opts: { priceCents: number; stock: Record<string, number>; quantity?: number; settings?: OrderSettings },
) {
  const sku = await seedSku(on.pool, { priceCents: opts.priceCents, stock: opts.stock });
  const request = orderRequest({ items: [{ sku, quantity: opts.quantity ?? 1 }] });
  return { ...(await place(on.client, request, opts.settings ?? testSettings(), on.prefix)), sku };
}

/** The carrier driven by hand (no sandbox carrier events): each test decides when a parcel leaves. */
export const handDelivery = testSettings({ sandboxCarrier: false });

/**
 * All of `stock` in one order of a SKU of the test's own, its carrier driven by hand; answered once
 * `ready` holds for its view (default: every warehouse's parcel is booked).
 */
export async function placeBookedByHand(
  on: { client: Client; pool: Pool; prefix: string },
  opts: { priceCents: number; stock: Record<string, number>; ready?: (v: OrderView) => boolean },
) {
  const sku = await seedSku(on.pool, { priceCents: opts.priceCents, stock: opts.stock });
  const quantity = Object.values(opts.stock).reduce((a, b) => a + b, 0);
  const placed = await place(on.client, orderRequest({ items: [{ sku, quantity }] }), handDelivery, on.prefix);
  const everyParcelBooked = (v: OrderView) =>
    v.shipments.length === Object.keys(opts.stock).length && v.shipments.every((s) => s.status === 'Booked');
  const view = await waitForView(placed.handle, opts.ready ?? everyParcelBooked);
  return { ...placed, sku, view };
}

/**
 * A customer whose name, address parts and card token are unique to this call, so a search of
 * logs or history for them can only find this order's data. `secrets` lists them all.
 */
export function distinctiveCustomer() {
  const tag = randomUUID().slice(0, 8);
  const address = {
    name: `Grace Hopper ${tag}`,
    line1: `${tag} Cobol Lane`,
    city: `Arlington ${tag}`,
    postalCode: 'VA 22201',
    country: 'US',
  };
  const token = `tok_secret_${tag}`;
  return { tag, address, token, secrets: [address.name, address.line1, address.city, address.postalCode, token] };
}

/** The sandbox payments API the test run serves (global setup): the real placement path, over HTTP. */
export function testVault(): PaymentMethodVault {
  const url = process.env.PAYMENTS_URL;
  if (!url) throw new Error('PAYMENTS_URL is not set: run tests through jest (global setup provides it)');
  return httpPaymentMethodVault(url);
}

/** Awaits a condition on the order's `status` query (the workflow's own state, not a sleep). */
export async function waitForView(
  handle: WorkflowHandle,
  predicate: (v: OrderView) => boolean,
  timeoutMs = 30_000,
): Promise<OrderView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await handle.query(statusQuery);
    if (predicate(view)) return view;
    if (Date.now() > deadline) throw new Error(`condition not reached; last view: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Activity types in the order they were scheduled, from the run's event history. */
export async function scheduledActivities(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.activityTaskScheduledEventAttributes?.activityType?.name
      ? [e.activityTaskScheduledEventAttributes.activityType.name]
      : [],
  );
}

/** The carrier events recorded for a shipment (shipment_events), in the carrier's order. */
export async function carrierEventsOf(pool: Pool, shipmentId: string): Promise<string[]> {
  const { rows } = await pool.query<{ event: string }>(
    'SELECT event FROM shipment_events WHERE shipment_id = $1 ORDER BY array_position($2::text[], event)',
    [shipmentId, CARRIER_EVENTS],
  );
  return rows.map((r) => r.event);
}

/** Polls `probe` until it returns a value other than undefined (a database row, a visibility answer). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Sends a carrier event for every parcel of the order (the sandbox carrier's part, by hand) to the
 * workflow that follows it (parcelFollower: the order itself from v0.8), with nothing recorded yet,
 * as `orders deliver` does.
 */
export async function carrierEvent(client: Client, view: OrderView, event: CarrierEventType, only?: string) {
  for (const s of view.shipments)
    if (!only || s.shipmentId === only) {
      const follower = parcelFollower(s);
      await client.workflow
        .getHandle(follower.workflowId)
        .signal(carrierEventSignal, carrierMessage(follower, s.shipmentId, event));
    }
}

/**
 * A carrier's event as its webhook brings it (src/events/carrier-inbox.ts): recorded in the shipments
 * table first, then signalled to the parcel's follower if one still runs. A terminated order's
 * parcel has none: the record is what its recovery watches.
 */
export async function carrierInboxEvent(
  client: Client,
  pool: Pool,
  shipmentId: string,
  event: CarrierEventType,
): Promise<string> {
  const inbox = {
    pool,
    recordCarrierEvent: carrierEventRecorder(pool, async () => undefined),
    signalShipment: (workflowId: string, message: CarrierEventMessage) =>
      client.workflow.getHandle(workflowId).signal(carrierEventSignal, message),
  };
  return handleCarrierEvent(inbox, { eventId: `${shipmentId}:${event}`, shipmentId, event }, 'webhook');
}

/**
 * `temporal workflow reset` to the last workflow task completed before the order first scheduled
 * `activityType`: the new run redoes that step and everything after it. Its handle.
 */
export async function resetBefore(
  client: Client,
  handle: WorkflowHandle<typeof orderWorkflow>,
  activityType: string,
  reason: string,
) {
  const { events } = await handle.fetchHistory();
  const at = events!.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  const before = events!
    .slice(0, at)
    .reverse()
    .find((e) => e.workflowTaskCompletedEventAttributes);
  const { runId } = await client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: handle.workflowId },
    workflowTaskFinishEventId: before!.eventId,
    reason,
    requestId: randomUUID(),
  });
  return client.workflow.getHandle<typeof orderWorkflow>(handle.workflowId, runId!);
}
