/**
 * Goodwill refunds (refunds without a return): the returns service's `goodwill_refunds`. The room
 * left to refund is read under the same per-order lock as returns take, and a refund still waiting
 * holds its amount, so two refunds cannot both be approved into more than was paid.
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../src/db/pool';
import {
  GOODWILL_STATUSES,
  ORDER_EVENTS,
  whyNotGoodwill,
  type GoodwillRequest,
  type GoodwillStatus,
  type OrderEventType,
  type ReturnActivities,
} from '../../src/domain';
import { insertOutbox } from '../orders/store/read-model';
import { goodwillRow, refundRoom } from './store/goodwill';
import { lockOrderReturns } from './store/returns';

const rank = (s: string) => GOODWILL_STATUSES.indexOf(s as GoodwillStatus);

const STATUS_EVENTS: Partial<Record<GoodwillStatus, OrderEventType>> = {
  AwaitingApproval: ORDER_EVENTS.RefundAwaitingApproval,
  Refunded: ORDER_EVENTS.GoodwillRefunded,
};

async function open(db: PoolClient, req: GoodwillRequest): Promise<void> {
  const room = await refundRoom(db, req.orderId, req.sku);
  const why = whyNotGoodwill(req, room);
  await db.query(
    `INSERT INTO goodwill_refunds (refund_id, order_id, sku, amount_cents, currency, status, reason, requested_by, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      req.refundId,
      req.orderId,
      req.sku ?? null,
      Math.max(1, Math.trunc(Number(req.amountCents)) || 1),
      room?.currency ?? 'XXX',
      why ? 'Refused' : 'Requested',
      req.reason,
      req.requestedBy,
      why ?? null,
    ],
  );
}

export function createGoodwillActivities(pool: Pool): Pick<ReturnActivities, 'openGoodwill' | 'recordGoodwillStatus'> {
  return {
    async openGoodwill(req) {
      const { row, fresh } = await inTransaction(pool, async (db) => {
        await lockOrderReturns(db, req.orderId);
        const before = await goodwillRow(db, req.refundId);
        if (!before) await open(db, req);
        return { row: (await goodwillRow(db, req.refundId))!, fresh: !before };
      });
      if (row.status === 'Refused') return { ok: false, reason: row.note ?? 'refused' };
      // A retry of this step finds its own row, still Requested, as it asked; anything else (a new
      // run under a closed refund's id, other terms) opens nothing.
      const same =
        Number(row.amount_cents) === req.amountCents &&
        row.requested_by === req.requestedBy &&
        row.order_id === req.orderId;
      if (!fresh && (row.status !== 'Requested' || !same))
        return { ok: false, reason: `refundId: refund ${req.refundId} is ${row.status} already` };
      return { ok: true, currency: row.currency };
    },

    async recordGoodwillStatus({ refundId, status, note, approvers, dueAt, decidedBy, refundedCents }) {
      await inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ status: string; order_id: string; amount_cents: string; currency: string }>(
          'SELECT status, order_id, amount_cents, currency FROM goodwill_refunds WHERE refund_id = $1 FOR UPDATE',
          [refundId],
        );
        const row = rows[0];
        if (!row) throw new Error(`no goodwill refund ${refundId}`);
        if (rank(status) < rank(row.status)) return;
        const moved = status !== row.status;
        await db.query(
          `UPDATE goodwill_refunds SET status = $2, note = COALESCE($3, note), approvers = COALESCE($4, approvers),
             due_at = COALESCE($5, due_at), decided_by = COALESCE($6, decided_by),
             refunded_cents = COALESCE($7, refunded_cents), updated_at = now()
           WHERE refund_id = $1`,
          [refundId, status, note ?? null, approvers ?? null, dueAt ?? null, decidedBy ?? null, refundedCents ?? null],
        );
        const event = STATUS_EVENTS[status];
        if (event && moved)
          await insertOutbox(
            db,
            row.order_id,
            event,
            {
              orderId: row.order_id,
              refundId,
              amountCents: Number(row.amount_cents),
              currency: row.currency,
              ...(approvers ? { approvers } : {}),
              ...(dueAt ? { dueAt } : {}),
            },
            refundId,
          );
      });
    },
  };
}
