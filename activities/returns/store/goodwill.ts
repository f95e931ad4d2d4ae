/**
 * The returns service's goodwill refunds (`goodwill_refunds`) as the API, the console and the
 * service's activities read them, and the room left to refund an order and a line.
 */
import type { Pool, PoolClient } from 'pg';
import type { GoodwillStatus, GoodwillView, RefundRoom } from '../../../src/domain';

type Db = Pool | PoolClient;

interface GoodwillRow {
  refund_id: string;
  order_id: string;
  sku: string | null;
  amount_cents: string;
  currency: string;
  status: GoodwillStatus;
  reason: string;
  requested_by: string;
  approvers: string[] | null;
  due_at: Date | null;
  decided_by: string | null;
  note: string | null;
  refunded_cents: string;
}

export async function goodwillRow(db: Db, refundId: string): Promise<GoodwillRow | undefined> {
  const { rows } = await db.query<GoodwillRow>('SELECT * FROM goodwill_refunds WHERE refund_id = $1', [refundId]);
  return rows[0];
}

/** A goodwill refund as the API shows it. */
export async function readGoodwill(db: Db, refundId: string): Promise<GoodwillView | undefined> {
  const r = await goodwillRow(db, refundId);
  return (
    r && {
      refundId: r.refund_id,
      orderId: r.order_id,
      status: r.status,
      amountCents: Number(r.amount_cents),
      currency: r.currency,
      ...(r.sku ? { sku: r.sku } : {}),
      reason: r.reason,
      requestedBy: r.requested_by,
      ...(r.approvers ? { approvers: r.approvers } : {}),
      ...(r.due_at && r.status === 'AwaitingApproval' ? { dueAt: r.due_at.toISOString() } : {}),
      ...(r.decided_by ? { decidedBy: r.decided_by } : {}),
      ...(r.note ? { note: r.note } : {}),
      refundedCents: Number(r.refunded_cents),
    }
  );
}

/**
 * What is left to refund of an order: its capture less every refund in the payment ledger and every
 * goodwill refund still waiting; for a line, its price less what returns and goodwill gave back for it.
 */
export async function refundRoom(db: Db, orderId: string, sku?: string): Promise<RefundRoom | undefined> {
  const { rows } = await db.query<{ currency: string; captured: string; refunded: string; pending: string }>(
    `SELECT o.currency,
            COALESCE((SELECT sum(amount_cents) FROM payment_operations
                      WHERE order_id = $1 AND operation = 'capture' AND status = 'approved'), 0) AS captured,
            COALESCE((SELECT sum(amount_cents) FROM payment_operations
                      WHERE order_id = $1 AND operation = 'refund' AND status = 'approved'), 0) AS refunded,
            COALESCE((SELECT sum(amount_cents) FROM goodwill_refunds
                      WHERE order_id = $1 AND status IN ('Requested', 'AwaitingApproval')), 0) AS pending
     FROM orders o WHERE o.order_id = $1`,
    [orderId],
  );
  const o = rows[0];
  if (!o) return undefined;
  const room: RefundRoom = {
    currency: o.currency,
    capturedCents: Number(o.captured),
    refundedCents: Number(o.refunded) + Number(o.pending),
  };
  if (sku === undefined) return room;
  const line = await db.query<{ paid: string; refunded: string }>(
    `SELECT l.unit_price_cents * l.quantity AS paid,
            COALESCE((SELECT sum(refunded_cents) FROM return_lines WHERE order_id = $1 AND sku = $2), 0)
            + COALESCE((SELECT sum(CASE WHEN status = 'Refunded' THEN refunded_cents ELSE amount_cents END)
                        FROM goodwill_refunds WHERE order_id = $1 AND sku = $2
                        AND status IN ('Requested', 'AwaitingApproval', 'Refunded')), 0) AS refunded
     FROM order_lines l WHERE l.order_id = $1 AND l.sku = $2`,
    [orderId, sku],
  );
  const l = line.rows[0];
  return l ? { ...room, line: { sku, paidCents: Number(l.paid), refundedCents: Number(l.refunded) } } : room;
}

/** Goodwill refunds waiting for an approver, oldest first (the approvers' queue). */
export async function waitingGoodwill(db: Db): Promise<GoodwillView[]> {
  const { rows } = await db.query<{ refund_id: string }>(
    `SELECT refund_id FROM goodwill_refunds WHERE status = 'AwaitingApproval' ORDER BY created_at LIMIT 100`,
  );
  const views = await Promise.all(rows.map((r) => readGoodwill(db, r.refund_id)));
  return views.filter((v): v is GoodwillView => v !== undefined);
}
