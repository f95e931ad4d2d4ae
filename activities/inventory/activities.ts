import { ApplicationFailure } from '@temporalio/activity';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../src/db/pool';
import { ERROR_TYPES, type InventoryActivities, type LineRequest, type ReservedLine } from '../../src/domain';
import { logger } from '../../src/logger';
import { reportReserved } from '../orders/store/read-model';
import { compensations } from '../../src/runtime/metrics';

/**
 * Inventory as Try / Confirm / Cancel over one reservation row per order.
 *
 * Locking: every transaction locks the order's reservation row first, then the stock rows it
 * touches in (sku, warehouse_id) order, so concurrent orders never deadlock and never oversell
 * (the stock CHECKs would refuse an oversell even if the logic were wrong).
 *
 * expires_at records the Try's time to live (ttlMs). The order workflow ends every reservation
 * with confirm or release; the reservation sweeper (workflows/reservation-sweeper.ts) releases an
 * expired one whose order workflow no longer runs (terminated, or lost to a bug).
 */

interface StockRow {
  sku: string;
  warehouse_id: string;
  available: number;
}

interface Shortage {
  sku: string;
  needed: number;
  available: number;
}

/** Merges repeated SKUs and checks quantities; bad input is a bug in the caller, so non-retryable. */
function normalize(items: readonly LineRequest[]): Map<string, number> {
  if (!Array.isArray(items) || items.length === 0) {
    throw ApplicationFailure.nonRetryable('reserve: items must be a non-empty list', ERROR_TYPES.InvalidInput);
  }
  const wanted = new Map<string, number>();
  for (const { sku, quantity } of items) {
    if (typeof sku !== 'string' || sku === '' || !Number.isSafeInteger(quantity) || quantity <= 0) {
      throw ApplicationFailure.nonRetryable(
        `reserve: invalid line ${JSON.stringify({ sku, quantity })}`,
        ERROR_TYPES.InvalidInput,
      );
    }
    wanted.set(sku, (wanted.get(sku) ?? 0) + quantity);
  }
  return wanted;
}

/**
 * Chooses warehouses for each SKU: the single warehouse with the most available units if it can
 * ship the whole quantity (one parcel), otherwise a greedy split, most available first.
 * Pure: returns the allocation or every shortage.
 */
export function allocate(
  wanted: ReadonlyMap<string, number>,
  stock: readonly StockRow[],
): { lines: ReservedLine[] } | { shortages: Shortage[] } {
  const lines: ReservedLine[] = [];
  const shortages: Shortage[] = [];
  for (const [sku, needed] of [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const candidates = stock
      .filter((s) => s.sku === sku && s.available > 0)
      .sort((a, b) => b.available - a.available || (a.warehouse_id < b.warehouse_id ? -1 : 1));
    const total = candidates.reduce((sum, s) => sum + s.available, 0);
    if (total < needed) {
      shortages.push({ sku, needed, available: total });
      continue;
    }
    let left = needed;
    for (const s of candidates) {
      if (left === 0) break;
      const take = Math.min(left, s.available);
      lines.push({ sku, warehouseId: s.warehouse_id, quantity: take });
      left -= take;
    }
  }
  return shortages.length > 0 ? { shortages } : { lines };
}

async function reservedLines(db: Pool | PoolClient, orderId: string): Promise<ReservedLine[]> {
  const { rows } = await db.query<{ sku: string; warehouse_id: string; quantity: number }>(
    'SELECT sku, warehouse_id, quantity FROM reservation_lines WHERE order_id = $1 ORDER BY sku, warehouse_id',
    [orderId],
  );
  return rows.map((r) => ({ sku: r.sku, warehouseId: r.warehouse_id, quantity: r.quantity }));
}

/**
 * Ends a held (TRIED, locked by the caller) reservation: the lines of `leftFrom` leave stock
 * (on_hand and reserved go down: confirmed), every other line goes back (reserved goes down:
 * released); the reservation ends CONFIRMED when any unit left, else CANCELLED. `'all'` is a
 * confirm, `[]` a release, anything between a settlement after a failure.
 */
async function endHeldReservation(db: PoolClient, orderId: string, leftFrom: readonly string[] | 'all'): Promise<void> {
  await lockStockOf(db, await reservedLines(db, orderId));
  const all = leftFrom === 'all';
  const warehouses = all ? [] : [...leftFrom];
  await db.query(
    `UPDATE reservation_lines SET outcome = CASE WHEN $2::boolean OR warehouse_id = ANY($3::text[]) THEN 'CONFIRMED' ELSE 'RELEASED' END
     WHERE order_id = $1`,
    [orderId, all, warehouses],
  );
  await db.query(
    `UPDATE stock s SET on_hand = s.on_hand - CASE WHEN l.outcome = 'CONFIRMED' THEN l.quantity ELSE 0 END,
                        reserved = s.reserved - l.quantity
     FROM reservation_lines l
     WHERE l.order_id = $1 AND s.sku = l.sku AND s.warehouse_id = l.warehouse_id`,
    [orderId],
  );
  await db.query(
    `UPDATE reservations SET updated_at = now(), status = CASE WHEN EXISTS (
       SELECT 1 FROM reservation_lines WHERE order_id = $1 AND outcome = 'CONFIRMED') THEN 'CONFIRMED' ELSE 'CANCELLED' END
     WHERE order_id = $1`,
    [orderId],
  );
}

/** A settled reservation's lines by their end: confirmed (left the warehouse) or released. */
async function outcomesOf(
  db: PoolClient,
  orderId: string,
): Promise<{ confirmed: ReservedLine[]; released: ReservedLine[] }> {
  const { rows } = await db.query<{ sku: string; warehouse_id: string; quantity: number; outcome: string | null }>(
    'SELECT sku, warehouse_id, quantity, outcome FROM reservation_lines WHERE order_id = $1 ORDER BY sku, warehouse_id',
    [orderId],
  );
  const line = (r: (typeof rows)[number]): ReservedLine => ({
    sku: r.sku,
    warehouseId: r.warehouse_id,
    quantity: r.quantity,
  });
  return {
    confirmed: rows.filter((r) => r.outcome === 'CONFIRMED').map(line),
    released: rows.filter((r) => r.outcome !== 'CONFIRMED').map(line),
  };
}

/** Locks the stock rows behind `lines` in the fixed (sku, warehouse_id) order. */
async function lockStockOf(db: PoolClient, lines: readonly ReservedLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db.query(
    `SELECT 1 FROM stock s
     WHERE (s.sku, s.warehouse_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
     ORDER BY s.sku, s.warehouse_id FOR UPDATE`,
    [lines.map((l) => l.sku), lines.map((l) => l.warehouseId)],
  );
}

export function createInventoryActivities(pool: Pool): InventoryActivities {
  return {
    async reserve({ orderId, items, ttlMs }) {
      const wanted = normalize(items);
      const ttl = Number.isFinite(ttlMs) && ttlMs > 0 ? ttlMs : null;
      return inTransaction(pool, async (db) => {
        // Claim the order's reservation (or wait for whoever holds it), then look at what is there.
        await db.query(
          `INSERT INTO reservations (order_id, status, expires_at)
           VALUES ($1, 'TRIED', now() + make_interval(secs => $2::double precision / 1000))
           ON CONFLICT (order_id) DO NOTHING`,
          [orderId, ttl],
        );
        const { rows } = await db.query<{ status: string; line_count: number }>(
          `SELECT status, (SELECT count(*)::int FROM reservation_lines l WHERE l.order_id = r.order_id) AS line_count
           FROM reservations r WHERE order_id = $1 FOR UPDATE`,
          [orderId],
        );
        const reservation = rows[0];
        if (!reservation) throw new Error(`reservation row for ${orderId} vanished`); // unreachable: inserted or existing
        if (reservation.status === 'CANCELLED') {
          throw ApplicationFailure.nonRetryable(
            `reservation for order ${orderId} was already cancelled`,
            ERROR_TYPES.ReservationCancelled,
          );
        }
        // An earlier attempt committed: answer what it reserved. (A failed Try rolls back its
        // TRIED row, so a TRIED row always has its lines.)
        if (reservation.line_count > 0) return { lines: await reservedLines(db, orderId) };

        const stock = await db.query<StockRow>(
          `SELECT sku, warehouse_id, on_hand - reserved AS available FROM stock
           WHERE sku = ANY($1::text[]) ORDER BY sku, warehouse_id FOR UPDATE`,
          [[...wanted.keys()]],
        );
        const allocation = allocate(wanted, stock.rows);
        if ('shortages' in allocation) {
          const detail = allocation.shortages
            .map((s) => `SKU ${s.sku} needs ${s.needed}, ${s.available} available`)
            .join('; ');
          // Thrown inside the transaction: the TRIED row rolls back with it, so a later release
          // records an empty cancel.
          throw ApplicationFailure.create({
            message: `out of stock: ${detail}`,
            type: ERROR_TYPES.OutOfStock,
            nonRetryable: true,
            details: allocation.shortages,
          });
        }
        const { lines } = allocation;
        await db.query(
          `UPDATE stock s SET reserved = s.reserved + l.quantity
           FROM unnest($1::text[], $2::text[], $3::int[]) AS l(sku, warehouse_id, quantity)
           WHERE s.sku = l.sku AND s.warehouse_id = l.warehouse_id`,
          [lines.map((l) => l.sku), lines.map((l) => l.warehouseId), lines.map((l) => l.quantity)],
        );
        await db.query(
          `INSERT INTO reservation_lines (order_id, sku, warehouse_id, quantity)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[])`,
          [orderId, lines.map((l) => l.sku), lines.map((l) => l.warehouseId), lines.map((l) => l.quantity)],
        );
        await reportReserved(db, orderId, lines);
        return { lines };
      });
    },

    async confirm({ orderId }) {
      return inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ status: string }>(
          'SELECT status FROM reservations WHERE order_id = $1 FOR UPDATE',
          [orderId],
        );
        const status = rows[0]?.status;
        if (status === 'CONFIRMED') return { confirmed: true };
        if (status !== 'TRIED') {
          // Nothing held (never reserved, or already released): nothing can leave the warehouse.
          logger.warn({ orderId, status: status ?? 'none' }, 'confirm: no held reservation');
          return { confirmed: false };
        }
        await endHeldReservation(db, orderId, 'all');
        return { confirmed: true };
      });
    },

    /**
     * `released` tells whether the reservation is (now) cancelled, so the answer is the same on
     * every retry: true after giving units back, for an empty cancel and for an already-cancelled
     * reservation; false only when it was confirmed (the goods have left).
     */
    async release({ orderId }) {
      let returned = false; // units went back to the shelf by this call (metrics, after the commit)
      const result = await inTransaction(pool, async (db) => {
        // No row: record an empty cancel so a Try arriving late (a timed-out attempt) is refused.
        const empty = await db.query(
          `INSERT INTO reservations (order_id, status) VALUES ($1, 'CANCELLED') ON CONFLICT (order_id) DO NOTHING`,
          [orderId],
        );
        if (empty.rowCount === 1) return { released: true };

        const { rows } = await db.query<{ status: string }>(
          'SELECT status FROM reservations WHERE order_id = $1 FOR UPDATE',
          [orderId],
        );
        const status = rows[0]?.status;
        if (status === 'CANCELLED') return { released: true };
        if (status === 'CONFIRMED') {
          logger.warn({ orderId }, 'release: reservation already confirmed; nothing released');
          return { released: false };
        }
        await endHeldReservation(db, orderId, []);
        returned = true;
        return { released: true };
      });
      if (returned) compensations.inc({ step: 'release inventory' });
      return result;
    },

    /**
     * Settles a reservation in part: the lines of `shippedWarehouses` left (confirmed: out of
     * on_hand), the others go back (released). Answers what each side holds, the same on every
     * retry; a reservation already settled (confirmed, released, or settled before) answers its lines' outcomes.
     */
    async settleReservation({ orderId, shippedWarehouses }) {
      if (!Array.isArray(shippedWarehouses) || shippedWarehouses.some((w) => typeof w !== 'string'))
        throw ApplicationFailure.nonRetryable(
          'settleReservation: shippedWarehouses must be a list of warehouse ids',
          ERROR_TYPES.InvalidInput,
        );
      return inTransaction(pool, async (db) => {
        // No row: nothing was ever held; an empty cancel refuses a late Try, as release does.
        await db.query(
          `INSERT INTO reservations (order_id, status) VALUES ($1, 'CANCELLED') ON CONFLICT (order_id) DO NOTHING`,
          [orderId],
        );
        const { rows } = await db.query<{ status: string }>(
          'SELECT status FROM reservations WHERE order_id = $1 FOR UPDATE',
          [orderId],
        );
        if (rows[0]?.status === 'TRIED') await endHeldReservation(db, orderId, shippedWarehouses);
        return outcomesOf(db, orderId);
      });
    },

    async reservedLines({ orderId }) {
      return { lines: await reservedLines(pool, orderId) };
    },

    async findStaleReservations({ limit }) {
      if (!Number.isSafeInteger(limit) || limit <= 0 || limit > 1000) {
        throw ApplicationFailure.nonRetryable(
          `findStaleReservations: limit must be 1-1000, got ${JSON.stringify(limit)}`,
          ERROR_TYPES.InvalidInput,
        );
      }
      const { rows } = await pool.query<{ order_id: string }>(
        `SELECT order_id FROM reservations WHERE status = 'TRIED' AND expires_at < now()
         ORDER BY expires_at, order_id LIMIT $1`,
        [limit],
      );
      return rows.map((r) => r.order_id);
    },

    async availableStock({ sku }) {
      if (typeof sku !== 'string' || sku === '')
        throw ApplicationFailure.nonRetryable('availableStock: sku is required', ERROR_TYPES.InvalidInput);
      const { rows } = await pool.query<{ available: string | null }>(
        'SELECT SUM(GREATEST(on_hand - reserved, 0)) AS available FROM stock WHERE sku = $1',
        [sku],
      );
      return { available: Number(rows[0]?.available ?? 0) };
    },

    receiveReturn: (input) => receiveReturn(pool, input),
    releaseLines: (input) => releaseLines(pool, input),
  };
}

/**
 * Partial cancellation: the held reservation's lines of `skus` go back to stock and leave the
 * reservation, so its confirm, release or settlement later concerns only what is left. What was
 * released is kept (reservation_line_cancels, once per line) and answered on every retry.
 */
async function releaseLines(
  pool: Pool,
  { orderId, skus }: Parameters<InventoryActivities['releaseLines']>[0],
): Promise<{ released: ReservedLine[] }> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<{ status: string }>(
      'SELECT status FROM reservations WHERE order_id = $1 FOR UPDATE',
      [orderId],
    );
    const held = await db.query<{ sku: string; warehouse_id: string; quantity: number }>(
      `SELECT sku, warehouse_id, quantity FROM reservation_lines WHERE order_id = $1 AND sku = ANY($2::text[])
       ORDER BY sku, warehouse_id`,
      [orderId, skus],
    );
    if (held.rows.length > 0 && rows[0]?.status !== 'TRIED')
      throw ApplicationFailure.nonRetryable(
        `releaseLines: the reservation of ${orderId} is ${rows[0]?.status ?? 'missing'}, not held`,
        ERROR_TYPES.IllegalTransition,
      );
    const lines = held.rows.map((r) => ({ sku: r.sku, warehouseId: r.warehouse_id, quantity: r.quantity }));
    await lockStockOf(db, lines);
    for (const l of lines) {
      await db.query('UPDATE stock SET reserved = reserved - $3 WHERE sku = $1 AND warehouse_id = $2', [
        l.sku,
        l.warehouseId,
        l.quantity,
      ]);
      await db.query(
        `INSERT INTO reservation_line_cancels (order_id, sku, warehouse_id, quantity) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [orderId, l.sku, l.warehouseId, l.quantity],
      );
      await db.query('DELETE FROM reservation_lines WHERE order_id = $1 AND sku = $2 AND warehouse_id = $3', [
        orderId,
        l.sku,
        l.warehouseId,
      ]);
    }
    const done = await db.query<{ sku: string; warehouse_id: string; quantity: number }>(
      `SELECT sku, warehouse_id, quantity FROM reservation_line_cancels WHERE order_id = $1 AND sku = ANY($2::text[])
       ORDER BY sku, warehouse_id`,
      [orderId, skus],
    );
    return { released: done.rows.map((r) => ({ sku: r.sku, warehouseId: r.warehouse_id, quantity: r.quantity })) };
  });
}

/**
 * A return's units, once per (rma, sku) behind stock_returns' key: resellable ones back on the
 * shelf (on_hand), damaged ones written off (the row is the write-off ledger). A repeat changes
 * nothing and answers what the first did.
 */
async function receiveReturn(
  pool: Pool,
  { rmaId, warehouseId, lines }: Parameters<InventoryActivities['receiveReturn']>[0],
): Promise<{ restocked: number; writtenOff: number }> {
  return inTransaction(pool, async (db) => {
    for (const l of [...lines].sort((a, b) => (a.sku < b.sku ? -1 : 1))) {
      if (!Number.isSafeInteger(l.restock) || !Number.isSafeInteger(l.writeOff) || l.restock < 0 || l.writeOff < 0)
        throw ApplicationFailure.nonRetryable(`receiveReturn: invalid line ${l.sku}`, ERROR_TYPES.InvalidInput);
      const first = await db.query(
        `INSERT INTO stock_returns (rma_id, sku, warehouse_id, restocked, written_off) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (rma_id, sku) DO NOTHING`,
        [rmaId, l.sku, warehouseId, l.restock, l.writeOff],
      );
      if (first.rowCount && l.restock > 0)
        await db.query(
          `INSERT INTO stock (sku, warehouse_id, on_hand) VALUES ($1, $2, $3)
           ON CONFLICT (sku, warehouse_id) DO UPDATE SET on_hand = stock.on_hand + EXCLUDED.on_hand`,
          [l.sku, warehouseId, l.restock],
        );
    }
    const { rows } = await db.query<{ restocked: number; written_off: number }>(
      `SELECT COALESCE(sum(restocked), 0)::int AS restocked, COALESCE(sum(written_off), 0)::int AS written_off
       FROM stock_returns WHERE rma_id = $1`,
      [rmaId],
    );
    return { restocked: rows[0]!.restocked, writtenOff: rows[0]!.written_off };
  });
}
