/**
 * The fulfilment service for goods that do not travel (migrations/0008): licence keys for digital
 * lines, gift codes for gift-card lines, and the customer's notification. Each is issued once per
 * order line (order id + sku is the key), so a retried attempt answers what the first one issued;
 * the compensations revoke or void what was issued.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { inTransaction } from '../../src/db/pool';
import type { FulfilmentActivities, PricedLineDto } from '../../src/domain';

/** Readable, unguessable: 4 groups of 5 from an alphabet without 0/O or 1/I. */
function code(prefix: string): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return `${prefix}-${[0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-')}`;
}

const skus = (lines: readonly PricedLineDto[]) => lines.map((l) => l.sku);

export function createFulfilmentActivities(pool: Pool): FulfilmentActivities {
  return {
    async issueLicences({ orderId, lines }) {
      return inTransaction(pool, async (db) => {
        for (const sku of skus(lines))
          await db.query(
            `INSERT INTO licences (order_id, sku, licence_key, status) VALUES ($1, $2, $3, 'ISSUED')
             ON CONFLICT (order_id, sku) DO NOTHING`,
            [orderId, sku, code('LIC')],
          );
        const { rows } = await db.query<{ sku: string; licence_key: string }>(
          'SELECT sku, licence_key FROM licences WHERE order_id = $1 AND sku = ANY($2::text[]) ORDER BY sku',
          [orderId, skus(lines)],
        );
        // Keys are the customer's secret: the workflow learns how many, never which.
        return { issued: rows.length };
      });
    },

    async revokeLicences({ orderId }) {
      const { rowCount } = await pool.query(
        `UPDATE licences SET status = 'REVOKED' WHERE order_id = $1 AND status = 'ISSUED'`,
        [orderId],
      );
      return { revoked: rowCount ?? 0 };
    },

    async issueGiftCodes({ orderId, lines, currency }) {
      return inTransaction(pool, async (db) => {
        for (const line of lines)
          await db.query(
            `INSERT INTO gift_codes (order_id, sku, code, amount_cents, currency, status) VALUES ($1, $2, $3, $4, $5, 'ISSUED')
             ON CONFLICT (order_id, sku) DO NOTHING`,
            [orderId, line.sku, code('GIFT'), line.lineTotalCents, currency],
          );
        const { rows } = await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM gift_codes WHERE order_id = $1 AND sku = ANY($2::text[])',
          [orderId, skus(lines)],
        );
        return { issued: Number(rows[0]!.n) };
      });
    },

    async voidGiftCodes({ orderId }) {
      const { rowCount } = await pool.query(
        `UPDATE gift_codes SET status = 'VOIDED' WHERE order_id = $1 AND status = 'ISSUED'`,
        [orderId],
      );
      return { voided: rowCount ?? 0 };
    },

    async issuedSkus({ orderId }) {
      const { rows } = await pool.query<{ sku: string }>(
        `SELECT sku FROM licences WHERE order_id = $1 AND status = 'ISSUED'
         UNION SELECT sku FROM gift_codes WHERE order_id = $1 AND status = 'ISSUED' ORDER BY sku`,
        [orderId],
      );
      return { skus: rows.map((r) => r.sku) };
    },

    async notifyCustomer({ orderId, kind, skus: notified }) {
      await pool.query(
        `INSERT INTO customer_notifications (order_id, kind, body) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (order_id, kind) DO NOTHING`,
        [orderId, kind, JSON.stringify({ skus: notified })],
      );
    },
  };
}
