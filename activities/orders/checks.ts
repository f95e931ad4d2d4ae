/**
 * The scheduled checks' SQL (orders service): the nightly reconciliation of the payments ledger
 * against orders, stock and shipments, and the outbox-lag check. Each run stores one report in
 * `check_reports`, keyed by its workflow id, so a retried activity stores it once.
 */
import type { Pool } from 'pg';
import type { ChecksActivities, Mismatch } from '../../src/domain';
import { logger } from '../../src/logger';
import { storeReport } from './store/reports';

/** Each check: a name, what a row means, and a query answering (subject, detail) for every mismatch. */
const RECONCILIATION_CHECKS: Array<{ check: string; sql: string }> = [
  {
    check: 'paid-without-capture',
    sql: `SELECT o.order_id AS subject, 'status ' || o.status || ', no approved capture' AS detail
          FROM orders o
          WHERE o.status IN ('PaymentCompleted', 'Processing', 'Shipped', 'Delivered') AND o.total_cents > 0
            AND NOT EXISTS (SELECT 1 FROM payment_operations p
                            WHERE p.order_id = o.order_id AND p.operation = 'capture' AND p.status = 'approved')`,
  },
  {
    check: 'capture-differs-from-total',
    sql: `SELECT o.order_id AS subject,
                 'captured ' || p.amount_cents || ' ' || p.currency || ', order total ' || o.total_cents || ' ' || o.currency AS detail
          FROM orders o JOIN payment_operations p ON p.order_id = o.order_id AND p.operation = 'capture' AND p.status = 'approved'
          WHERE p.amount_cents <> o.total_cents OR p.currency <> o.currency`,
  },
  {
    check: 'cancelled-but-charged',
    sql: `SELECT o.order_id AS subject, 'status ' || o.status || ', captured and not refunded' AS detail
          FROM orders o
          WHERE o.status IN ('Cancelled', 'Refunded')
            AND EXISTS (SELECT 1 FROM payment_operations p
                        WHERE p.order_id = o.order_id AND p.operation = 'capture' AND p.status = 'approved')
            AND NOT EXISTS (SELECT 1 FROM payment_operations p
                            WHERE p.order_id = o.order_id AND p.operation = 'refund' AND p.status = 'approved')`,
  },
  {
    check: 'reservation-held-after-end',
    sql: `SELECT o.order_id AS subject, 'status ' || o.status || ', reservation still held' AS detail
          FROM orders o JOIN reservations r ON r.order_id = o.order_id
          WHERE o.status IN ('Cancelled', 'Refunded', 'Delivered') AND r.status = 'TRIED'`,
  },
  {
    check: 'delivered-with-open-shipment',
    sql: `SELECT o.order_id AS subject, 'shipment ' || s.shipment_id || ' is ' || s.status AS detail
          FROM orders o JOIN shipments s ON s.order_id = o.order_id AND s.rma_id IS NULL
          WHERE o.status = 'Delivered' AND s.status NOT IN ('DELIVERED', 'CANCELLED')`,
  },
  {
    check: 'stock-reserved-differs-from-holds',
    sql: `SELECT st.sku || '@' || st.warehouse_id AS subject,
                 'reserved ' || st.reserved || ', held by open reservations ' || COALESCE(h.held, 0) AS detail
          FROM stock st
          LEFT JOIN (SELECT l.sku, l.warehouse_id, SUM(l.quantity) AS held
                     FROM reservation_lines l JOIN reservations r ON r.order_id = l.order_id AND r.status = 'TRIED'
                     GROUP BY l.sku, l.warehouse_id) h ON h.sku = st.sku AND h.warehouse_id = st.warehouse_id
          WHERE st.reserved <> COALESCE(h.held, 0)`,
  },
];

export function createChecksActivities(pool: Pool): ChecksActivities {
  return {
    async reconcile({ runKey }) {
      const mismatches: Mismatch[] = [];
      const summary: Record<string, number> = {};
      for (const { check, sql } of RECONCILIATION_CHECKS) {
        const { rows } = await pool.query<{ subject: string; detail: string }>(`${sql} LIMIT 1000`);
        summary[check] = rows.length;
        mismatches.push(...rows.map((r) => ({ check, subject: r.subject, detail: r.detail })));
      }
      const counts = await pool.query<{ orders: string; operations: string }>(
        `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM payment_operations) AS operations`,
      );
      summary.ordersChecked = Number(counts.rows[0]!.orders);
      summary.ledgerRowsChecked = Number(counts.rows[0]!.operations);
      if (mismatches.length)
        logger.warn({ mismatches: mismatches.length, runKey }, 'reconciliation: mismatches need attention');
      return storeReport(pool, {
        kind: 'reconciliation',
        runKey,
        summary,
        mismatches,
        needsAttention: mismatches.length > 0,
      });
    },

    async checkOutboxLag({ runKey, alertMs }) {
      const { rows } = await pool.query<{ unpublished: string; oldest_ms: string | null }>(
        `SELECT count(*) AS unpublished, (EXTRACT(EPOCH FROM now() - min(created_at)) * 1000)::bigint AS oldest_ms
         FROM outbox WHERE published_at IS NULL`,
      );
      const unpublished = Number(rows[0]!.unpublished);
      const oldestMs = rows[0]!.oldest_ms === null ? 0 : Number(rows[0]!.oldest_ms);
      const needsAttention = oldestMs > alertMs;
      if (needsAttention)
        logger.warn({ unpublished, oldestMs }, 'outbox lag: events are not leaving (is the relay running?)');
      return storeReport(pool, {
        kind: 'outbox-lag',
        runKey,
        summary: { unpublished, oldestUnpublishedMs: oldestMs, alertMs },
        mismatches: [],
        needsAttention,
      });
    },
  };
}
