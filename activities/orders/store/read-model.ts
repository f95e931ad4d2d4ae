/**
 * The order's read model: `orders` (status, reason), `order_status_history` and the outbox rows that
 * announce a status. The orders service owns it and is its only writer: its own activities
 * (recordStatus, finalizeOrder, flagOrder) write through here, and the three steps of other services
 * that reach a milestone in their own transaction report it here, so the step's rows and the status
 * commit together (a separate recordStatus would cost every order three history events and a
 * workflow task). Which step writes which status:
 *
 * | status             | written by                                                      |
 * | ------------------ | --------------------------------------------------------------- |
 * | InventoryReserved  | inventory `reserve` → reportReserved                            |
 * | PaymentCompleted, Processing | payments `capture` → reportCaptured                   |
 * | Shipped            | shipping, the pickup of the order's last parcel → reportPickup  |
 * | (PaymentRefunded event) | payments `refund`/`refundPart` → reportRefund              |
 * | every other status | the order workflow, through the orders service's recordStatus,  |
 * |                    | finalizeOrder and flagOrder                                     |
 */
import type { PoolClient } from 'pg';
import {
  ORDER_EVENTS,
  ORDER_STATUSES,
  isTerminal,
  type OrderEventType,
  type OrderStatus,
  type ReservedLine,
} from '../../../src/domain';
import { logger } from '../../../src/logger';

/** Statuses a customer hears about when recordStatus/finalizeOrder reaches them. */
const STATUS_EVENTS: Partial<Record<OrderStatus, OrderEventType>> = {
  AwaitingApproval: ORDER_EVENTS.OrderAwaitingApproval,
  PaymentFailed: ORDER_EVENTS.PaymentFailed,
  Shipped: ORDER_EVENTS.OrderShipped,
  Delivered: ORDER_EVENTS.OrderDelivered,
  Cancelled: ORDER_EVENTS.OrderCancelled,
  Refunded: ORDER_EVENTS.OrderRefunded,
};

/** The event each settled outcome announces (a settlement after a parcel left ends Delivered, in part refunded). */
export const FINAL_EVENTS: Record<string, OrderEventType> = {
  Cancelled: ORDER_EVENTS.OrderCancelled,
  Refunded: ORDER_EVENTS.OrderRefunded,
  Delivered: ORDER_EVENTS.OrderDelivered,
};

export function isOrderStatus(s: string): s is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(s);
}

/** Position in the lifecycle: every allowed transition (status.ts TRANSITIONS) moves forward in it. */
function rank(status: string): number {
  return (ORDER_STATUSES as readonly string[]).indexOf(status);
}

export async function insertOutbox(
  db: PoolClient,
  orderId: string,
  eventType: OrderEventType,
  payload: Record<string, unknown>,
  /** For an event an order may have more than once (reminders): which one. */
  keySuffix?: string,
): Promise<void> {
  const key = `${orderId}:${eventType}${keySuffix ? `:${keySuffix}` : ''}`;
  await db.query(
    `INSERT INTO outbox (order_id, event_type, payload, idempotency_key) VALUES ($1, $2, $3, $4)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [orderId, eventType, JSON.stringify(payload), key],
  );
}

export interface StatusWrite {
  orderId: string;
  status: OrderStatus;
  note?: string;
  failureReason?: string;
  /** Outbox event to write with the status (defaults to the status's customer-visible event, if any). */
  event?: { type: OrderEventType; payload: Record<string, unknown>; keySuffix?: string };
  /** With AwaitingApproval: the rule that asked and when an answer is due. */
  approval?: { rule: string; dueAt: string };
}

/**
 * Moves the read model to `status` with a history row and (for customer-visible statuses) an outbox
 * row, all idempotent. The read model only moves forward: a write for an earlier status than the
 * current one (a stale attempt that committed late) changes nothing (`applied` false). With no
 * orders row (rejected before pricing) the history and outbox rows are still written. When this
 * write is the one that ends the order (moves it into a terminal status), `endedPlacedAt` is the
 * order's placement time, for the metrics once the transaction has committed.
 * Call inside a transaction.
 */
export async function writeOrderStatus(
  db: PoolClient,
  w: StatusWrite,
): Promise<{ applied: boolean; endedPlacedAt?: Date }> {
  const { rows } = await db.query<{ status: string; created_at: Date }>(
    'SELECT status, created_at FROM orders WHERE order_id = $1 FOR UPDATE',
    [w.orderId],
  );
  const current = rows[0]?.status;
  if (current !== undefined) {
    if (rank(w.status) < rank(current)) {
      logger.warn(
        { orderId: w.orderId, current, stale: w.status },
        'read model: ignoring a status older than the current one',
      );
      return { applied: false };
    }
    await db.query(
      `UPDATE orders SET status = $2, failure_reason = COALESCE($3, failure_reason), updated_at = now()
       WHERE order_id = $1 AND (status IS DISTINCT FROM $2 OR ($3::text IS NOT NULL AND failure_reason IS DISTINCT FROM $3))`,
      [w.orderId, w.status, w.failureReason ?? null],
    );
    if (w.approval)
      await db.query('UPDATE orders SET approval_rule = $2, approval_due_at = $3 WHERE order_id = $1', [
        w.orderId,
        w.approval.rule,
        w.approval.dueAt,
      ]);
  }
  await db.query(
    `INSERT INTO order_status_history (order_id, status, note) VALUES ($1, $2, $3)
     ON CONFLICT ON CONSTRAINT order_status_history_once DO NOTHING`,
    [w.orderId, w.status, w.note ?? ''],
  );
  const eventType = w.event?.type ?? STATUS_EVENTS[w.status];
  if (eventType) {
    const payload = w.event?.payload ?? {
      orderId: w.orderId,
      status: w.status,
      ...(w.note ? { note: w.note } : {}),
      ...(w.failureReason ? { reason: w.failureReason } : {}),
    };
    await insertOutbox(db, w.orderId, eventType, payload, w.event?.keySuffix);
  }
  const ends = current !== undefined && isTerminal(w.status) && !isTerminal(current as OrderStatus);
  return ends ? { applied: true, endedPlacedAt: rows[0]!.created_at } : { applied: true };
}

/** Records the insert of a reservation: InventoryReserved, with the lines (inventory's `reserve`). */
export function reportReserved(db: PoolClient, orderId: string, lines: ReservedLine[]) {
  return writeOrderStatus(db, {
    orderId,
    status: 'InventoryReserved',
    event: { type: ORDER_EVENTS.InventoryReserved, payload: { orderId, lines } },
  });
}

/**
 * A capture in the ledger (payments' `capture`): PaymentCompleted, and Processing at once: paid
 * means being processed, so the order needs no recordStatus round trip for it.
 */
export async function reportCaptured(
  db: PoolClient,
  orderId: string,
  capture: { amountCents: number; currency: string },
) {
  await writeOrderStatus(db, {
    orderId,
    status: 'PaymentCompleted',
    event: {
      type: ORDER_EVENTS.PaymentCaptured,
      payload: { orderId, amountCents: capture.amountCents, currency: capture.currency },
    },
  });
  await writeOrderStatus(db, { orderId, status: 'Processing' });
}

/** A refund in the ledger (payments' `refund`, `refundPart`): announced once per part. */
export function reportRefund(
  db: PoolClient,
  orderId: string,
  refund: { amountCents: number; currency: string },
  part: string | undefined,
) {
  return insertOutbox(
    db,
    orderId,
    ORDER_EVENTS.PaymentRefunded,
    { orderId, amountCents: refund.amountCents, currency: refund.currency, ...(part ? { part } : {}) },
    part,
  );
}

/**
 * A parcel left (shipping's record of its first carrier event, in the same transaction): the order
 * is Shipped once every parcel has, as the lifecycle says; its parcels are one per warehouse its
 * reservation holds stock in, booked or not yet. The order's row is locked first, so two parcels
 * picked up at once cannot both miss the other's pickup.
 */
export async function reportPickup(db: PoolClient, orderId: string): Promise<void> {
  await db.query('SELECT 1 FROM orders WHERE order_id = $1 FOR UPDATE', [orderId]);
  const { rows } = await db.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM (SELECT DISTINCT warehouse_id FROM reservation_lines WHERE order_id = $1) w
     WHERE NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = $1 AND s.rma_id IS NULL AND s.warehouse_id = w.warehouse_id
                       AND s.status IN ('PICKED_UP', 'IN_TRANSIT', 'DELIVERED'))`,
    [orderId],
  );
  if (rows[0]!.waiting === 0) await writeOrderStatus(db, { orderId, status: 'Shipped' });
}
