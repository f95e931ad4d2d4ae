/**
 * Money and stock after delivery (issue 29): what returns, goodwill refunds and lines taken out did
 * must add up under the run's faults. Each check reads the tables, never the run's own view.
 */
import type { Db, FinalOrder, InvariantResult } from './invariants';

const ids = (orders: readonly FinalOrder[]) => orders.map((o) => o.orderId);

/** Per order: refunds never more than the capture. */
async function checkRefundsWithinCapture(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const { rows } = await db.query<{ order_id: string; captured: string; refunded: string }>(
    `SELECT order_id,
            coalesce(sum(amount_cents) FILTER (WHERE operation = 'capture'), 0) AS captured,
            coalesce(sum(amount_cents) FILTER (WHERE operation = 'refund'), 0) AS refunded
     FROM payment_operations WHERE order_id = ANY($1::text[]) AND status = 'approved'
     GROUP BY order_id HAVING coalesce(sum(amount_cents) FILTER (WHERE operation = 'refund'), 0)
                             > coalesce(sum(amount_cents) FILTER (WHERE operation = 'capture'), 0)`,
    [ids(orders)],
  );
  return {
    name: 'refunds <= captured',
    description: 'per order, what was refunded (settlements, returns, goodwill) never exceeds the capture',
    checked: orders.length,
    violations: rows.map((r) => `${r.order_id}: refunded ${r.refunded} > captured ${r.captured}`),
  };
}

/** Per line: what returns and goodwill gave back for it never exceeds what was paid for it. */
async function checkRefundsWithinLines(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const { rows } = await db.query<{ order_id: string; sku: string; paid: string; refunded: string }>(
    `SELECT l.order_id, l.sku, l.unit_price_cents * l.quantity AS paid,
            coalesce((SELECT sum(refunded_cents) FROM return_lines r WHERE r.order_id = l.order_id AND r.sku = l.sku), 0)
            + coalesce((SELECT sum(refunded_cents) FROM goodwill_refunds g WHERE g.order_id = l.order_id AND g.sku = l.sku), 0)
              AS refunded
     FROM order_lines l WHERE l.order_id = ANY($1::text[])`,
    [ids(orders)],
  );
  const over = rows.filter((r) => Number(r.refunded) > Number(r.paid));
  return {
    name: 'line refunds <= paid',
    description: "per order line, returns' and goodwill refunds never exceed what was paid for the line",
    checked: rows.length,
    violations: over.map((r) => `${r.order_id} ${r.sku}: refunded ${r.refunded} > paid ${r.paid}`),
  };
}

/** Stock came back only for units the warehouse accepted resellable; damaged ones were written off. */
async function checkReturnedStock(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const { rows } = await db.query<{
    rma_id: string;
    sku: string;
    restocked: number;
    written_off: number;
    resellable: number;
    damaged: number;
  }>(
    `SELECT l.rma_id, l.sku, coalesce(b.restocked, 0) AS restocked, coalesce(b.written_off, 0) AS written_off,
            CASE WHEN r.status = 'Refunded' AND l.condition = 'resellable' THEN l.accepted ELSE 0 END AS resellable,
            CASE WHEN r.status = 'Refunded' AND l.condition = 'damaged' THEN l.accepted ELSE 0 END AS damaged
     FROM return_lines l JOIN returns r USING (rma_id)
     LEFT JOIN stock_returns b ON b.rma_id = l.rma_id AND b.sku = l.sku
     WHERE l.order_id = ANY($1::text[])`,
    [ids(orders)],
  );
  const wrong = rows.filter((r) => r.restocked !== r.resellable || r.written_off !== r.damaged);
  return {
    name: 'returned stock = accepted',
    description: 'per returned line, units back on the shelf = accepted resellable; written off = accepted damaged',
    checked: rows.length,
    violations: wrong.map(
      (r) =>
        `${r.rma_id} ${r.sku}: restocked ${r.restocked} (resellable ${r.resellable}), written off ${r.written_off} (damaged ${r.damaged})`,
    ),
  };
}

export async function checkAfterDelivery(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult[]> {
  return [
    await checkRefundsWithinCapture(db, orders),
    await checkRefundsWithinLines(db, orders),
    await checkReturnedStock(db, orders),
  ];
}
