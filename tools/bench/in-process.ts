/**
 * The cost of durability: the order's business logic, the same activity functions on the same
 * kind of pool, called in-process in the order's sequence, with no Temporal at all. It mirrors
 * the happy path of workflows/order.ts and workflows/shipment.ts (keep them in step: the report
 * prints this path's call count next to the order's activity count, so a drift shows). The
 * sandbox carrier's activity only sends Temporal signals after the transit time: here the
 * transit time is waited and the three carrier events are recorded directly.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { createInventoryActivities } from '../../activities/inventory/activities';
import { policyFromConfig } from '../../activities/orders/policy';
import { createOrderActivities } from '../../activities/orders/activities';
import { createPaymentActivities } from '../../activities/payments/activities';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { createShippingActivities } from '../../activities/shipping/activities';
import { vaultKey } from '../../src/placement/payment-methods';
import { loadConfig } from '../../src/config';
import { CARRIER_EVENTS, shipmentId, type ReservedLine } from '../../src/domain';
import type { Task } from './drive';
import { orderRequest, type Shape } from './shapes';

export interface InProcessOrder {
  status: 'Delivered';
  /** Activity functions called (the workflow would have scheduled each as an activity). */
  calls: number;
}

export interface InProcessOptions {
  transitMs: number;
  paymentWindowMs: number;
  /** The worker's environment: the policy (approval threshold) is read from it as the worker reads its own. */
  env: Record<string, string>;
}

export function inProcessOrders(pool: Pool, opts: InProcessOptions) {
  const provider = createSandboxPaymentProvider(pool);
  const orders = createOrderActivities(pool);
  const inventory = createInventoryActivities(pool);
  const payments = createPaymentActivities(pool, provider);
  const shipping = createShippingActivities(pool, {
    signalShipment: async () => undefined, // nobody to signal: the events are recorded below
    reportToOrder: async () => undefined, // nor any order workflow to tell
  });
  const policy = policyFromConfig(loadConfig({ ...process.env, ...opts.env }));

  return async function placeInProcess(shape: Shape, orderId: string, index: number): Promise<InProcessOrder> {
    const request = orderRequest(shape, orderId, index);
    const runId = randomUUID();
    let calls = 0;
    const call = <T>(p: Promise<T> | T): Promise<T> => {
      calls++;
      return Promise.resolve(p);
    };
    // Placement: the vault exchange, as placeOrder does before it starts the workflow.
    const { paymentMethodId } = await provider.savePaymentMethod({
      token: request.payment.token,
      idempotencyKey: vaultKey(orderId, request.payment.token),
    });

    // loadPolicy (an activity in the workflow, a constant here) and priceOrder, side by side as there.
    const [, priced] = await Promise.all([
      call(policy),
      call(
        orders.priceOrder({
          orderId,
          runId,
          customerId: request.customerId,
          items: request.items,
          shippingMethod: request.shippingMethod,
        }),
      ),
    ]);
    if (!priced.ok) throw new Error(`in-process order ${orderId}: ${priced.reason}`);
    const needsApproval = priced.totalCents >= policy.approvalThresholdCents;
    if (needsApproval) throw new Error('the in-process baseline has no approver: use a shape below the threshold');
    const reservation = await call(inventory.reserve({ orderId, items: request.items, ttlMs: opts.paymentWindowMs }));
    const [screening] = await Promise.all([
      call(
        orders.screenCustomer({
          orderId,
          customerId: request.customerId,
          totalCents: priced.totalCents,
          itemCount: request.items.length,
        }),
      ),
      call(shipping.validateAddress({ orderId, address: request.shippingAddress })),
    ]);
    if (!screening.ok) throw new Error(`in-process order ${orderId}: ${screening.reason}`);
    await call(
      payments.authorize({
        orderId,
        amountCents: priced.totalCents,
        currency: priced.currency,
        paymentMethodId,
        windowMs: opts.paymentWindowMs,
      }),
    );
    // capture records Processing itself; the first pickup records Shipped (as in the workflow).
    await call(payments.capture({ orderId, amountCents: priced.totalCents, currency: priced.currency }));

    // One parcel per warehouse, in parallel, as the shipment children run.
    const byWarehouse = new Map<string, ReservedLine[]>();
    for (const line of reservation.lines)
      byWarehouse.set(line.warehouseId, [...(byWarehouse.get(line.warehouseId) ?? []), line]);
    await Promise.all(
      [...byWarehouse].map(async ([warehouseId, lines]) => {
        const id = shipmentId(orderId, warehouseId);
        await call(
          shipping.bookShipment({
            orderId,
            shipmentId: id,
            warehouseId,
            lines,
            address: request.shippingAddress,
            method: request.shippingMethod,
          }),
        );
        await sleep(opts.transitMs);
        for (const event of CARRIER_EVENTS) await call(shipping.recordCarrierEvent({ shipmentId: id, event }));
      }),
    );
    await call(inventory.confirm({ orderId }));
    await call(orders.recordStatus({ orderId, runId, status: 'Delivered' }));
    return { status: 'Delivered', calls };
  };
}

/** The in-process baseline as a bench task: one order per call, timed like the others. */
export function inProcessTask(
  pool: Pool,
  opts: InProcessOptions,
  shape: Shape,
  idPrefix: string,
): { task: Task; calls: () => number | undefined } {
  const place = inProcessOrders(pool, opts);
  let calls: number | undefined;
  const task: Task = async (index) => {
    const orderId = `${idPrefix}-${String(index).padStart(5, '0')}`;
    const startedAt = performance.now();
    const sample = (status: string, error?: string) => {
      const endedAt = performance.now();
      return {
        workflowId: orderId,
        startedAt,
        endedAt,
        latencyMs: endedAt - startedAt,
        status,
        ...(error ? { error } : {}),
      };
    };
    try {
      const done = await place(shape, orderId, index);
      calls = done.calls;
      return sample(done.status);
    } catch (err) {
      return sample('error', err instanceof Error ? err.message : String(err));
    }
  };
  return { task, calls: () => calls };
}
