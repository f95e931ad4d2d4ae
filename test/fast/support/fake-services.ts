/**
 * Every service's activities as in-memory fakes for the fast tier: the same contracts
 * (src/domain/contracts.ts), answers from a small world the test sets up, and a log of every call in
 * the order it reached the fake, so a test asserts what the workflow did (compensations LIFO, a
 * step not taken) without a database. Like the real shipping service, booking and the pickup's
 * record tell the order (reportToOrder), so the order hears its parcels as on the real stack.
 */
import { ApplicationFailure } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { createDecisionActivities } from '../../../activities/orders/decisions';
import {
  ERROR_TYPES,
  defaultRuleSet,
  orderWorkflowId,
  priceOrder,
  type Catalog,
  type LoadedPolicy,
  type OrderPolicy,
  type PlanNode,
  type ReservedLine,
  type Service,
  type ShipmentProgress,
} from '../../../src/domain';

export interface FakeWorld {
  catalog: Catalog;
  /** Units free per SKU, all in one warehouse (`east`) unless `warehouses` says otherwise. */
  stock: Record<string, number>;
  /** SKU → warehouse (default `east`): a second warehouse makes a second parcel. */
  warehouses?: Record<string, string>;
  policy: OrderPolicy;
  /** The card is declined at authorization. */
  declined?: boolean;
  /** Milliseconds `reserve` takes (a slow step, for races with the other parallel steps). */
  reserveDelayMs?: number;
}

export interface Fakes {
  /** Every activity call, as `<activity>` in the order the fakes saw them. */
  calls: string[];
  /** Activities per service queue, for the fast workers. */
  activities: Record<Service, Record<string, (...args: never[]) => Promise<unknown>>>;
  /** Units held per SKU right now (reserved and not released or confirmed). */
  held: Record<string, number>;
}

const PLANS = ['physical', 'digital', 'preorder', 'giftcard'].map((productType) => ({
  productType,
  version: 1,
  plan: JSON.parse(
    readFileSync(path.join(__dirname, '../../../examples/plans', `${productType}.json`), 'utf8'),
  ) as PlanNode,
}));

export function fakeServices(
  world: FakeWorld,
  reportToOrder: (orderWorkflowId: string, progress: ShipmentProgress) => Promise<void>,
): Fakes {
  const calls: string[] = [];
  const held: Record<string, number> = {};
  const reservations = new Map<string, ReservedLine[]>();
  const gates = new Map<string, 'cancelled' | 'shipped'>();
  const orderOfShipment = new Map<string, string>();
  const recorded = new Map<string, Set<string>>();
  const log = (name: string) => calls.push(name);
  const warehouseOf = (sku: string) => world.warehouses?.[sku] ?? 'east';

  const orders = {
    async loadPolicy(): Promise<LoadedPolicy> {
      log('loadPolicy');
      return { ...world.policy, rules: { version: 0, rules: defaultRuleSet(world.policy.approvalThresholdCents) } };
    },
    async priceOrder(input: {
      items: Array<{ sku: string; quantity: number }>;
      shippingMethod: 'standard' | 'express';
    }) {
      log('priceOrder');
      const priced = priceOrder(input.items, world.catalog, input.shippingMethod);
      if (!priced.ok) return priced;
      const types = new Set(priced.lines.map((l) => l.productType));
      return { ...priced, plans: PLANS.filter((p) => types.has(p.productType as never)) };
    },
    async screenCustomer(input: { customerId: string }) {
      log('screenCustomer');
      return input.customerId.startsWith('blocked-')
        ? { ok: false, reason: 'fraud-suspected', detail: 'blocked customer' }
        : { ok: true };
    },
    async recordStatus(input: { status: string }) {
      log(`recordStatus:${input.status}`);
    },
    async finalizeOrder(input: { status: string }) {
      log(`finalizeOrder:${input.status}`);
    },
    // The real check: it has no I/O (the run's key, from the tier's global setup).
    verifyDecision: createDecisionActivities(loadConfig()).verifyDecision,
    async claimCancellation({ orderId }: { orderId: string }) {
      log('claimCancellation');
      if (gates.get(orderId) === 'shipped') return { granted: false, reason: 'a parcel has left' };
      gates.set(orderId, 'cancelled');
      return { granted: true };
    },
    async flagOrder() {
      log('flagOrder');
    },
    async validateAddress() {
      log('validateAddress');
      return { ok: true };
    },
    // The shipping table's answer, read by the orders worker: what recordCarrierEvent accepted.
    async shipmentReached({ shipmentId, event }: { shipmentId: string; event: string }) {
      log(`shipmentReached:${event}`);
      return { reached: recorded.get(shipmentId)?.has(event) ?? false };
    },
    async recordPing() {
      return { service: 'orders', worker: 'fake' };
    },
  };

  const inventory = {
    async reserve({ orderId, items }: { orderId: string; items: Array<{ sku: string; quantity: number }> }) {
      log('reserve');
      if (world.reserveDelayMs) await new Promise((r) => setTimeout(r, world.reserveDelayMs));
      const short = items.filter((i) => (world.stock[i.sku] ?? 0) - (held[i.sku] ?? 0) < i.quantity);
      if (short.length)
        throw ApplicationFailure.nonRetryable(
          `out of stock: ${short.map((s) => s.sku).join(', ')}`,
          ERROR_TYPES.OutOfStock,
          {
            shortages: short.map((s) => ({ sku: s.sku, requested: s.quantity, available: 0 })),
          },
        );
      const lines = items.map((i) => ({ sku: i.sku, warehouseId: warehouseOf(i.sku), quantity: i.quantity }));
      for (const l of lines) held[l.sku] = (held[l.sku] ?? 0) + l.quantity;
      reservations.set(orderId, lines);
      return { lines };
    },
    async release({ orderId }: { orderId: string }) {
      log('release');
      for (const l of reservations.get(orderId) ?? []) held[l.sku]! -= l.quantity;
      reservations.delete(orderId);
      return { released: true };
    },
    async confirm({ orderId }: { orderId: string }) {
      log('confirm');
      for (const l of reservations.get(orderId) ?? []) held[l.sku]! -= l.quantity;
      reservations.delete(orderId);
      return { confirmed: true };
    },
    async recordPing() {
      return { service: 'inventory', worker: 'fake' };
    },
  };

  const payments = {
    async authorize({ orderId }: { orderId: string }) {
      log('authorize');
      if (world.declined)
        throw ApplicationFailure.nonRetryable(`card declined for ${orderId}`, ERROR_TYPES.PaymentDeclined);
      return { authorizationId: `auth-${orderId}` };
    },
    async capture({ orderId }: { orderId: string }) {
      log('capture');
      return { captureId: `cap-${orderId}` };
    },
    async void() {
      log('void');
      return { voided: true };
    },
    async refund() {
      log('refund');
      return { refundedCents: 0 };
    },
    async recordPing() {
      return { service: 'payments', worker: 'fake' };
    },
  };

  const shipping = {
    async validateAddress() {
      log('validateAddress');
      return { ok: true };
    },
    async bookShipment({ orderId, shipmentId }: { orderId: string; shipmentId: string }) {
      log('bookShipment');
      orderOfShipment.set(shipmentId, orderId);
      await reportToOrder(orderWorkflowId(orderId), { shipmentId, event: 'Booked' });
      return { carrierRef: `ref-${shipmentId}` };
    },
    async cancelShipment() {
      log('cancelShipment');
      return { cancelled: true };
    },
    async recordCarrierEvent({ shipmentId, event }: { shipmentId: string; event: string }) {
      log(`recordCarrierEvent:${event}`);
      const orderId = orderOfShipment.get(shipmentId)!;
      if (event === 'picked-up') {
        if (gates.get(orderId) === 'cancelled') return { accepted: false };
        gates.set(orderId, 'shipped');
        recorded.set(shipmentId, new Set([...(recorded.get(shipmentId) ?? []), event]));
        await reportToOrder(orderWorkflowId(orderId), { shipmentId, event: 'picked-up' });
      }
      return { accepted: true };
    },
    async recordPing() {
      return { service: 'shipping', worker: 'fake' };
    },
  };

  const fulfilment = {
    async recordPing() {
      return { service: 'fulfilment', worker: 'fake' };
    },
  };

  const returns = {
    async recordPing() {
      return { service: 'returns', worker: 'fake' };
    },
  };

  return { calls, held, activities: { orders, inventory, payments, shipping, fulfilment, returns } };
}
