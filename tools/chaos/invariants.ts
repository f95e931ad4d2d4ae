/**
 * What must hold after a chaos run, checked from PostgreSQL and the orders' final views. One
 * function per invariant, each returning how many things it checked and every violation (so a
 * test can call them one by one). Money is integer cents; the ledger is payment_operations.
 */
import type { Pool, PoolClient } from 'pg';
import { TERMINAL_STATUSES, type OrderStatus } from '../../src/domain';
import {
  checkCatalogChange,
  checkFlaggedSayWhy,
  checkLedgerMatchesProvider,
  checkShipmentsMatchCarrier,
  checkStockLeftWithParcels,
} from './cross-checks';
import type { OrderOutcome } from './drive';
import { checkAfterDelivery } from './after-delivery-checks';
import type { CatalogChange } from './operations';

export type Db = Pick<Pool | PoolClient, 'query'>;

/** An order as the run last saw it. */
export interface FinalOrder {
  orderId: string;
  /** From the `status` query; undefined when never answered (the read model is used instead). */
  status?: OrderStatus;
  needsAttention?: boolean;
  totalCents?: number;
  /** RUNNING, COMPLETED, CANCELLED, FAILED... */
  executionStatus?: string;
  /** Why people must look (the view's NeedsAttention reason, or the read model's attention). */
  attentionReason?: string;
  /** Terminated on purpose by the run (an operator's kill switch): its recovery settled it. */
  terminated?: boolean;
}

export interface InvariantResult {
  name: string;
  description: string;
  checked: number;
  violations: string[];
}

/** Initial on_hand per `sku@warehouse`. */
export type InitialStock = Record<string, number>;

const isTerminal = (s: OrderStatus | undefined) => s !== undefined && TERMINAL_STATUSES.includes(s);
const finished = (orders: readonly FinalOrder[]) => orders.filter((o) => isTerminal(o.status) && !o.needsAttention);
const ids = (orders: readonly FinalOrder[]) => orders.map((o) => o.orderId);

export function checkSettled(orders: readonly FinalOrder[]): InvariantResult {
  return {
    name: 'every order terminal or NeedsAttention',
    description: 'Delivered, Cancelled or Refunded (or flagged NeedsAttention) when the run ends',
    checked: orders.length,
    violations: orders
      .filter((o) => !o.needsAttention && !(isTerminal(o.status) && o.executionStatus !== 'RUNNING'))
      .map((o) => `${o.orderId}: status ${o.status ?? 'unknown'}, run ${o.executionStatus ?? 'unknown'}`),
  };
}

export function checkRunsNotFailed(orders: readonly FinalOrder[]): InvariantResult {
  const bad = ['FAILED', 'TERMINATED', 'TIMED_OUT'];
  return {
    name: 'no run failed',
    description:
      'no order workflow ended FAILED, TERMINATED or TIMED_OUT (a cancelled run is fine, and so is one the run terminated on purpose)',
    checked: orders.length,
    violations: orders
      .filter((o) => o.executionStatus && bad.includes(o.executionStatus) && !o.terminated)
      .map((o) => `${o.orderId}: run ${o.executionStatus} with status ${o.status ?? 'unknown'}`),
  };
}

export async function checkMoneyBalance(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const done = finished(orders);
  const { rows } = await db.query<{
    order_id: string;
    captured: string;
    refunded: string;
    total: string | null;
    released: string;
    after_delivery: string;
  }>(
    `SELECT o.id AS order_id,
            coalesce(sum(p.amount_cents) FILTER (WHERE p.operation = 'capture' AND p.status = 'approved'), 0) AS captured,
            coalesce(sum(p.amount_cents) FILTER (WHERE p.operation = 'refund' AND p.status = 'approved'), 0) AS refunded,
            (SELECT total_cents FROM orders WHERE order_id = o.id) AS total,
            -- A Delivered order settled after a failure kept only what left: its released units are refunded.
            (SELECT coalesce(sum(l.quantity * ol.unit_price_cents), 0) FROM reservation_lines l
               JOIN order_lines ol ON ol.order_id = l.order_id AND ol.sku = l.sku
              WHERE l.order_id = o.id AND l.outcome = 'RELEASED') AS released,
            -- After delivery: returns (per line, and the shipping once) and goodwill refunds.
            coalesce(sum(p.amount_cents) FILTER (WHERE p.operation = 'refund' AND p.status = 'approved'
              AND (p.idempotency_key LIKE o.id || ':refund:rma.%' OR p.idempotency_key LIKE o.id || ':refund:gw.%'
                   OR p.idempotency_key = o.id || ':refund:returns.shipping')), 0) AS after_delivery
     FROM unnest($1::text[]) AS o(id) LEFT JOIN payment_operations p ON p.order_id = o.id
     GROUP BY o.id`,
    [ids(done)],
  );
  const byId = new Map(rows.map((r) => [r.order_id, r]));
  const violations: string[] = [];
  for (const o of done) {
    const r = byId.get(o.orderId);
    const net = Number(r?.captured ?? 0) - Number(r?.refunded ?? 0);
    const total = o.totalCents ?? Number(r?.total ?? NaN);
    const expected = o.status === 'Delivered' ? total - Number(r?.released ?? 0) - Number(r?.after_delivery ?? 0) : 0;
    if (net !== expected)
      violations.push(
        `${o.orderId} ${o.status}: captured ${r?.captured ?? 0} - refunded ${r?.refunded ?? 0} = ${net}, expected ${expected}`,
      );
  }
  return {
    name: 'money: captured - refunded',
    description:
      '= total (less units released by a settlement, and refunds after delivery) for Delivered, 0 for Cancelled and Refunded',
    checked: done.length,
    violations,
  };
}

export async function checkAuthorizationsClosed(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const undone = finished(orders).filter((o) => o.status !== 'Delivered');
  const { rows } = await db.query<{ order_id: string }>(
    `SELECT a.order_id FROM payment_operations a
     WHERE a.order_id = ANY($1::text[]) AND a.operation = 'authorize' AND a.status = 'approved'
       AND NOT EXISTS (SELECT 1 FROM payment_operations x
                       WHERE x.order_id = a.order_id AND x.operation IN ('void', 'capture') AND x.status = 'approved')`,
    [ids(undone)],
  );
  return {
    name: 'no open authorization',
    description: 'a Cancelled/Refunded order with an approved authorization has a void or a capture',
    checked: undone.length,
    violations: rows.map((r) => `${r.order_id}: authorization neither voided nor captured`),
  };
}

export async function checkLedgerUnique(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  // Each idempotency key is unique by constraint; what must never repeat is taking or releasing the
  // money: one capture and one void per order (renewed authorizations and refund parts have keys of their own).
  const { rows } = await db.query<{ order_id: string; operation: string; n: number }>(
    `SELECT order_id, operation, count(*)::int AS n FROM payment_operations
     WHERE order_id = ANY($1::text[]) GROUP BY order_id, operation`,
    [ids(orders)],
  );
  return {
    name: 'no duplicate ledger operation',
    description: 'at most one capture and one void per order in payment_operations',
    checked: rows.length,
    violations: rows
      .filter((r) => r.n > 1 && (r.operation === 'capture' || r.operation === 'void'))
      .map((r) => `${r.order_id}: ${r.n} × ${r.operation}`),
  };
}

export async function checkStockConserved(db: Db, initial: InitialStock): Promise<InvariantResult> {
  const keys = Object.keys(initial);
  const { rows } = await db.query<{
    sku: string;
    warehouse_id: string;
    on_hand: number;
    reserved: number;
    confirmed: number;
    tried: number;
    restocked: number;
  }>(
    `SELECT s.sku, s.warehouse_id, s.on_hand, s.reserved,
            coalesce(sum(l.quantity) FILTER (WHERE l.outcome = 'CONFIRMED'), 0)::int AS confirmed,
            coalesce(sum(l.quantity) FILTER (WHERE r.status = 'TRIED'), 0)::int AS tried,
            (SELECT coalesce(sum(restocked), 0)::int FROM stock_returns b
              WHERE b.sku = s.sku AND b.warehouse_id = s.warehouse_id) AS restocked
     FROM stock s
     LEFT JOIN reservation_lines l ON l.sku = s.sku AND l.warehouse_id = s.warehouse_id
     LEFT JOIN reservations r ON r.order_id = l.order_id
     WHERE s.sku || '@' || s.warehouse_id = ANY($1::text[])
     GROUP BY s.sku, s.warehouse_id ORDER BY s.sku, s.warehouse_id`,
    [keys],
  );
  const violations: string[] = [];
  for (const r of rows) {
    const start = initial[`${r.sku}@${r.warehouse_id}`]!;
    // Units a return brought back resellable are on the shelf again, besides having left once.
    if (start !== r.on_hand + r.confirmed - r.restocked)
      violations.push(
        `${r.sku}@${r.warehouse_id}: initial ${start} != on_hand ${r.on_hand} + confirmed ${r.confirmed} - restocked ${r.restocked}`,
      );
    if (r.reserved !== r.tried)
      violations.push(`${r.sku}@${r.warehouse_id}: reserved ${r.reserved} != held (TRIED) lines ${r.tried}`);
  }
  if (rows.length !== keys.length) violations.push(`expected ${keys.length} stock rows, found ${rows.length}`);
  return {
    name: 'stock conserved',
    description:
      'per SKU and warehouse: initial = on_hand + confirmed lines - units returns restocked; reserved = held (TRIED) lines',
    checked: rows.length,
    violations,
  };
}

export async function checkNoHeldReservation(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const done = finished(orders);
  const { rows } = await db.query<{ order_id: string }>(
    `SELECT order_id FROM reservations WHERE order_id = ANY($1::text[]) AND status = 'TRIED'`,
    [ids(done)],
  );
  return {
    name: 'no held reservation',
    description: 'no finished order keeps a TRIED reservation',
    checked: done.length,
    violations: rows.map((r) => `${r.order_id}: reservation still TRIED`),
  };
}

export async function checkNoBookedShipment(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const done = finished(orders);
  const { rows } = await db.query<{ shipment_id: string; order_id: string }>(
    `SELECT shipment_id, order_id FROM shipments WHERE order_id = ANY($1::text[]) AND status = 'BOOKED' AND rma_id IS NULL`,
    [ids(done)],
  );
  return {
    name: 'no booked shipment',
    description: 'no finished order keeps a shipment in BOOKED',
    checked: done.length,
    violations: rows.map((r) => `${r.order_id}: shipment ${r.shipment_id} still BOOKED`),
  };
}

export async function checkDeliveredConfirmed(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const delivered = finished(orders).filter((o) => o.status === 'Delivered');
  const { rows } = await db.query<{ order_id: string }>(
    `SELECT order_id FROM reservations WHERE order_id = ANY($1::text[]) AND status = 'CONFIRMED'`,
    [ids(delivered)],
  );
  const confirmed = new Set(rows.map((r) => r.order_id));
  return {
    name: 'delivered means confirmed',
    description: 'every Delivered order has a CONFIRMED reservation',
    checked: delivered.length,
    violations: delivered
      .filter((o) => !confirmed.has(o.orderId))
      .map((o) => `${o.orderId}: Delivered without a CONFIRMED reservation`),
  };
}

/** Goods with the carrier while the money went back and the stock was released: lost goods. */
export async function checkNoParcelForUndoneOrder(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const undone = finished(orders).filter((o) => o.status !== 'Delivered');
  const { rows } = await db.query<{ shipment_id: string; order_id: string; status: string }>(
    `SELECT shipment_id, order_id, status FROM shipments
     WHERE order_id = ANY($1::text[]) AND rma_id IS NULL AND status IN ('PICKED_UP', 'IN_TRANSIT', 'DELIVERED')`,
    [ids(undone)],
  );
  return {
    name: 'no parcel for an undone order',
    description: 'a Cancelled/Refunded order has no parcel picked up, in transit or delivered',
    checked: undone.length,
    violations: rows.map((r) => `${r.order_id}: shipment ${r.shipment_id} ${r.status}`),
  };
}

export async function checkAll(
  db: Db,
  orders: readonly FinalOrder[],
  initial: InitialStock,
  run: { outcomes: readonly OrderOutcome[]; change?: CatalogChange },
) {
  return [
    checkSettled(orders),
    checkRunsNotFailed(orders),
    await checkMoneyBalance(db, orders),
    await checkAuthorizationsClosed(db, orders),
    await checkLedgerUnique(db, orders),
    await checkStockConserved(db, initial),
    await checkNoHeldReservation(db, orders),
    await checkNoBookedShipment(db, orders),
    await checkDeliveredConfirmed(db, orders),
    await checkNoParcelForUndoneOrder(db, orders),
    await checkLedgerMatchesProvider(db, orders),
    await checkShipmentsMatchCarrier(db, orders),
    await checkStockLeftWithParcels(db, orders),
    checkFlaggedSayWhy(orders),
    await checkCatalogChange(db, run.outcomes, run.change),
    ...(await checkAfterDelivery(db, orders)),
  ];
}
