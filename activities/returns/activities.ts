import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../src/db/pool';
import {
  ORDER_EVENTS,
  RETURNS_SHIPPING_PART,
  RETURN_STATUSES,
  returnRulesOf,
  whyNotReturnable,
  type OpenedReturn,
  type OrderEventType,
  type ReturnActivities,
  type ReturnRequest,
  type ReturnStatus,
} from '../../src/domain';
import { insertOutbox } from '../orders/store/read-model';
import { refundRoom } from './store/goodwill';
import {
  lockOrderReturns,
  orderForReturn,
  returnableLines,
  returnLineRows,
  returnRow,
  warehouseOf,
} from './store/returns';

/** The event each return status announces (the outbox; the notifications consumer tells the customer). */
const STATUS_EVENTS: Partial<Record<ReturnStatus, OrderEventType>> = {
  AwaitingParcel: ORDER_EVENTS.ReturnRequested,
  Received: ORDER_EVENTS.ReturnReceived,
  Refunded: ORDER_EVENTS.ReturnRefunded,
  Rejected: ORDER_EVENTS.ReturnRefunded,
  Expired: ORDER_EVENTS.ReturnExpired,
};

/** A return's position in its life: it only moves forward (a late retry changes nothing). */
const rank = (s: string) => RETURN_STATUSES.indexOf(s as ReturnStatus);

async function openedFromRows(db: PoolClient, rmaId: string): Promise<OpenedReturn | { refused: string }> {
  const r = (await returnRow(db, rmaId))!;
  if (r.status === 'Refused') return { refused: r.note ?? 'refused' };
  // Only a retry of this step finds its row still Requested: a new run under a closed return's id
  // (started again once Temporal forgot it) opens nothing.
  if (r.status !== 'Requested') return { refused: `rmaId: return ${rmaId} is ${r.status} already` };
  const lines = await returnLineRows(db, rmaId);
  const country = (await orderForReturn(db, r.order_id))?.country ?? '';
  return {
    rmaId,
    orderId: r.order_id,
    customerId: r.customer_id,
    currency: r.currency,
    warehouseId: r.warehouse_id ?? '',
    country,
    lines: lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      lineNo: l.line_no,
      unitPriceCents: Number(l.unit_price_cents),
    })),
  };
}

async function open(db: PoolClient, req: ReturnRequest, rules: ReturnType<typeof returnRulesOf>) {
  const order = await orderForReturn(db, req.orderId);
  const lines = await returnableLines(db, req.orderId);
  const why = !order ? `orderId: no order ${req.orderId}` : whyNotReturnable(req.lines, lines, rules, Date.now());
  const warehouseId = why ? undefined : await warehouseOf(db, req.orderId, req.lines[0]!.sku);
  await db.query(
    `INSERT INTO returns (rma_id, order_id, customer_id, status, reason, requested_by, warehouse_id, currency, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      req.rmaId,
      req.orderId,
      order?.customerId ?? '',
      why ? 'Refused' : 'Requested',
      req.reason,
      req.requestedBy,
      warehouseId ?? null,
      order?.currency ?? 'XXX',
      why ?? null,
    ],
  );
  await db.query(`INSERT INTO return_history (rma_id, status, note) VALUES ($1, $2, $3)`, [
    req.rmaId,
    why ? 'Refused' : 'Requested',
    why ?? req.reason,
  ]);
  if (why) return;
  for (const asked of req.lines) {
    const line = lines.find((l) => l.sku === asked.sku)!;
    await db.query(
      `INSERT INTO return_lines (rma_id, order_id, line_no, sku, quantity, unit_price_cents) VALUES ($1, $2, $3, $4, $5, $6)`,
      [req.rmaId, req.orderId, line.lineNo, asked.sku, asked.quantity, line.unitPriceCents],
    );
  }
}

export function createReturnActivities(pool: Pool): Omit<ReturnActivities, 'openGoodwill' | 'recordGoodwillStatus'> {
  return {
    async openReturn({ rules, ...req }) {
      const opened = await inTransaction(pool, async (db) => {
        await lockOrderReturns(db, req.orderId);
        // A retry finds the return it opened (or refused) and answers the same.
        if (!(await returnRow(db, req.rmaId))) await open(db, req, returnRulesOf(rules));
        return openedFromRows(db, req.rmaId);
      });
      return 'refused' in opened ? { ok: false, reason: opened.refused } : { ok: true, opened };
    },

    async recordReturnStatus({ rmaId, status, note, shipmentId, label, parcelDueAt }) {
      await inTransaction(pool, async (db) => {
        const r = await db.query<{ status: string; order_id: string; refunded_cents: string; currency: string }>(
          'SELECT status, order_id, refunded_cents, currency FROM returns WHERE rma_id = $1 FOR UPDATE',
          [rmaId],
        );
        const row = r.rows[0];
        if (!row) throw new Error(`no return ${rmaId}`);
        if (rank(status) > rank(row.status))
          await db.query(
            `UPDATE returns SET status = $2, note = COALESCE($3, note), shipment_id = COALESCE($4, shipment_id),
               parcel_due_at = COALESCE($5, parcel_due_at), updated_at = now() WHERE rma_id = $1`,
            [rmaId, status, note ?? null, shipmentId ?? null, parcelDueAt ?? null],
          );
        const inserted = await db.query(
          `INSERT INTO return_history (rma_id, status, note) VALUES ($1, $2, $3)
           ON CONFLICT ON CONSTRAINT return_history_once DO NOTHING`,
          [rmaId, status, note ?? ''],
        );
        const event = STATUS_EVENTS[status];
        if (event && inserted.rowCount)
          await insertOutbox(
            db,
            row.order_id,
            event,
            {
              orderId: row.order_id,
              rmaId,
              status,
              ...(label ? { label } : {}),
              ...(parcelDueAt ? { parcelDueAt } : {}),
              ...(status === 'Refunded' || status === 'Rejected'
                ? { refundedCents: Number(row.refunded_cents), currency: row.currency }
                : {}),
              ...(note ? { note } : {}),
            },
            rmaId,
          );
      });
    },

    async recordInspection({ rmaId, inspectedBy, lines }) {
      await inTransaction(pool, async (db) => {
        for (const l of lines)
          await db.query(
            `UPDATE return_lines SET accepted = $3, condition = $4, inspection_note = $5 WHERE rma_id = $1 AND sku = $2`,
            [rmaId, l.sku, l.accepted, l.condition, l.note ?? null],
          );
        await db.query('UPDATE returns SET inspected_by = $2, updated_at = now() WHERE rma_id = $1', [
          rmaId,
          inspectedBy,
        ]);
      });
    },

    async recordReturnRefund({ rmaId, sku, part, amountCents }) {
      // Once per part: the history row is the idempotency key of the amounts added below.
      await inTransaction(pool, async (db) => {
        const first = await db.query(
          `INSERT INTO return_history (rma_id, status, note) VALUES ($1, $2, $3)
           ON CONFLICT ON CONSTRAINT return_history_once DO NOTHING`,
          [rmaId, `refund:${part}`, `${amountCents} refunded`],
        );
        if (!first.rowCount) return;
        await db.query('UPDATE returns SET refunded_cents = refunded_cents + $2 WHERE rma_id = $1', [
          rmaId,
          amountCents,
        ]);
        if (sku)
          await db.query(
            'UPDATE return_lines SET refunded_cents = refunded_cents + $3 WHERE rma_id = $1 AND sku = $2',
            [rmaId, sku, amountCents],
          );
      });
    },

    async lineRefundRoom({ orderId, sku }) {
      const line = (await refundRoom(pool, orderId, sku))?.line;
      return { leftCents: line ? Math.max(0, line.paidCents - line.refundedCents) : 0 };
    },

    async allUnitsReturned({ orderId }) {
      const { rows } = await pool.query<{ all: boolean; shipping_cents: string; shipping_refunded: boolean }>(
        `SELECT NOT EXISTS (
                  SELECT 1 FROM order_lines l WHERE l.order_id = $1 AND l.quantity > COALESCE((
                    SELECT sum(rl.accepted) FROM return_lines rl JOIN returns r USING (rma_id)
                    WHERE rl.order_id = $1 AND rl.sku = l.sku AND r.status IN ('Received', 'Refunded')), 0)
                ) AS all,
                o.shipping_cents,
                EXISTS (SELECT 1 FROM payment_operations p WHERE p.idempotency_key = $1 || ':refund:' || $2)
                  AS shipping_refunded
         FROM orders o WHERE o.order_id = $1`,
        [orderId, RETURNS_SHIPPING_PART],
      );
      const r = rows[0];
      return r
        ? { all: r.all, shippingCents: Number(r.shipping_cents), shippingRefunded: r.shipping_refunded }
        : { all: false, shippingCents: 0, shippingRefunded: false };
    },
  };
}
