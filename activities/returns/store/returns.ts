/**
 * The returns service's tables (`returns`, `return_lines`): the only writer is this service's
 * activities; the API and the CLI read through the functions here. What an order delivered is read
 * from the shipping service's shipments and the orders service's lines (reads, never writes).
 */
import type { Pool, PoolClient } from 'pg';
import type { ReturnableLine, ReturnCondition, ReturnStatus, ReturnView } from '../../../src/domain';

type Db = Pool | PoolClient;

/**
 * One order's returns and goodwill refunds are opened one at a time: the check of what is left and
 * the insert agree. Call inside a transaction (the lock ends with it).
 */
export const lockOrderReturns = (db: PoolClient, orderId: string) =>
  db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`returns:${orderId}`]);

/** Every line of the order with what reached the customer and what returns have asked back already. */
export async function returnableLines(db: Db, orderId: string): Promise<ReturnableLine[]> {
  const { rows } = await db.query<{
    line_no: number;
    sku: string;
    product_type: ReturnableLine['productType'];
    unit_price_cents: string;
    delivered: number;
    delivered_at: Date | null;
    taken: number;
  }>(
    `SELECT l.line_no, l.sku, l.product_type, l.unit_price_cents,
            COALESCE(d.delivered, 0)::int AS delivered, d.delivered_at,
            COALESCE(t.taken, 0)::int AS taken
     FROM order_lines l
     LEFT JOIN (
       SELECT sl.sku, sum(sl.quantity) AS delivered, max(e.at) AS delivered_at
       FROM shipments s JOIN shipment_lines sl USING (shipment_id)
       JOIN shipment_events e ON e.shipment_id = s.shipment_id AND e.event = 'delivered'
       WHERE s.order_id = $1 AND s.rma_id IS NULL AND s.status = 'DELIVERED'
       GROUP BY sl.sku
     ) d ON d.sku = l.sku
     LEFT JOIN (
       SELECT rl.sku, sum(rl.quantity) AS taken FROM return_lines rl JOIN returns r USING (rma_id)
       WHERE rl.order_id = $1 AND r.status NOT IN ('Expired', 'Refused')
       GROUP BY rl.sku
     ) t ON t.sku = l.sku
     WHERE l.order_id = $1 ORDER BY l.line_no`,
    [orderId],
  );
  return rows.map((r) => ({
    lineNo: r.line_no,
    sku: r.sku,
    productType: r.product_type,
    unitPriceCents: Number(r.unit_price_cents),
    delivered: r.delivered,
    ...(r.delivered_at ? { deliveredAt: r.delivered_at.toISOString() } : {}),
    taken: r.taken,
  }));
}

/** The order's customer, currency and where its parcels went (a return comes back from there). */
export async function orderForReturn(
  db: Db,
  orderId: string,
): Promise<{ customerId: string; currency: string; country?: string } | undefined> {
  const { rows } = await db.query<{ customer_id: string; currency: string; country: string | null }>(
    `SELECT o.customer_id, o.currency,
            (SELECT s.country FROM shipments s WHERE s.order_id = o.order_id AND s.rma_id IS NULL AND s.country IS NOT NULL
             ORDER BY s.shipment_id LIMIT 1) AS country
     FROM orders o WHERE o.order_id = $1`,
    [orderId],
  );
  const r = rows[0];
  return r && { customerId: r.customer_id, currency: r.currency, ...(r.country ? { country: r.country } : {}) };
}

/** The warehouse a SKU of the order left from (most units first): its return goes back there. */
export async function warehouseOf(db: Db, orderId: string, sku: string): Promise<string | undefined> {
  const { rows } = await db.query<{ warehouse_id: string }>(
    `SELECT s.warehouse_id FROM shipments s JOIN shipment_lines l USING (shipment_id)
     WHERE s.order_id = $1 AND s.rma_id IS NULL AND l.sku = $2 AND s.status = 'DELIVERED'
     GROUP BY s.warehouse_id ORDER BY sum(l.quantity) DESC, s.warehouse_id LIMIT 1`,
    [orderId, sku],
  );
  return rows[0]?.warehouse_id;
}

interface ReturnRow {
  rma_id: string;
  order_id: string;
  customer_id: string;
  status: ReturnStatus;
  reason: string;
  warehouse_id: string | null;
  shipment_id: string | null;
  currency: string;
  refunded_cents: string;
  note: string | null;
  inspected_by: string | null;
  parcel_due_at: Date | null;
}

interface LineRow {
  line_no: number;
  sku: string;
  quantity: number;
  unit_price_cents: string;
  accepted: number | null;
  condition: ReturnCondition | null;
  inspection_note: string | null;
  refunded_cents: string;
}

export async function returnRow(db: Db, rmaId: string): Promise<ReturnRow | undefined> {
  const { rows } = await db.query<ReturnRow>('SELECT * FROM returns WHERE rma_id = $1', [rmaId]);
  return rows[0];
}

export async function returnLineRows(db: Db, rmaId: string): Promise<LineRow[]> {
  const { rows } = await db.query<LineRow>('SELECT * FROM return_lines WHERE rma_id = $1 ORDER BY line_no', [rmaId]);
  return rows;
}

/** A return as the API shows it (with the order id and customer, for who may see it). */
export async function readReturn(db: Db, rmaId: string): Promise<(ReturnView & { customerId: string }) | undefined> {
  const r = await returnRow(db, rmaId);
  if (!r) return undefined;
  const lines = await returnLineRows(db, rmaId);
  const { rows: history } = await db.query<{ status: ReturnStatus; note: string; at: Date }>(
    `SELECT status, note, at FROM return_history WHERE rma_id = $1 AND status NOT LIKE 'refund:%' ORDER BY id`,
    [rmaId],
  );
  return {
    rmaId: r.rma_id,
    orderId: r.order_id,
    customerId: r.customer_id,
    status: r.status,
    reason: r.reason,
    currency: r.currency,
    lines: lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      unitPriceCents: Number(l.unit_price_cents),
      ...(l.accepted !== null ? { accepted: l.accepted } : {}),
      ...(l.condition ? { condition: l.condition } : {}),
      ...(l.inspection_note ? { note: l.inspection_note } : {}),
    })),
    ...(r.shipment_id ? { shipmentId: r.shipment_id } : {}),
    ...(r.parcel_due_at && r.status === 'AwaitingParcel' ? { parcelDueAt: r.parcel_due_at.toISOString() } : {}),
    refundedCents: Number(r.refunded_cents),
    ...(r.inspected_by ? { inspectedBy: r.inspected_by } : {}),
    ...(r.note ? { note: r.note } : {}),
    history: history.map((h) => ({ status: h.status, at: h.at.toISOString(), ...(h.note ? { note: h.note } : {}) })),
  };
}

/** The order's returns, newest first: their ids, status and refunded amount (the order's view shows them). */
export async function returnsOfOrder(
  db: Db,
  orderId: string,
): Promise<Array<{ rmaId: string; status: ReturnStatus; refundedCents: number }>> {
  const { rows } = await db.query<{ rma_id: string; status: ReturnStatus; refunded_cents: string }>(
    'SELECT rma_id, status, refunded_cents FROM returns WHERE order_id = $1 ORDER BY created_at DESC, rma_id',
    [orderId],
  );
  return rows.map((r) => ({ rmaId: r.rma_id, status: r.status, refundedCents: Number(r.refunded_cents) }));
}

/** A return whose parcel arrived and waits for the warehouse's inspection. */
export interface WaitingInspection {
  rmaId: string;
  orderId: string;
  warehouseId?: string;
  /** Units asked back, over all its lines. */
  units: number;
  receivedAt: string;
}

/** Returns waiting for inspection (status Received), longest waiting first (the warehouse's queue). */
export async function waitingInspections(db: Db): Promise<WaitingInspection[]> {
  const { rows } = await db.query<{
    rma_id: string;
    order_id: string;
    warehouse_id: string | null;
    units: number;
    received_at: Date;
  }>(
    `SELECT r.rma_id, r.order_id, r.warehouse_id,
            (SELECT sum(quantity) FROM return_lines l WHERE l.rma_id = r.rma_id)::int AS units,
            COALESCE(h.at, r.updated_at) AS received_at
     FROM returns r LEFT JOIN return_history h ON h.rma_id = r.rma_id AND h.status = 'Received'
     WHERE r.status = 'Received' ORDER BY received_at, r.rma_id LIMIT 200`,
  );
  return rows.map((r) => ({
    rmaId: r.rma_id,
    orderId: r.order_id,
    ...(r.warehouse_id ? { warehouseId: r.warehouse_id } : {}),
    units: r.units,
    receivedAt: r.received_at.toISOString(),
  }));
}
