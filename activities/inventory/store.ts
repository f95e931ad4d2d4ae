/**
 * Inventory's store: `stock` has one writer, the inventory service. Reservations move `reserved`
 * (activities.ts); a count of goods on hand is set here, for the catalog's upsert.
 */
import type { PoolClient } from 'pg';

/**
 * Sets the units on hand of a SKU at a warehouse, inside the caller's transaction. Refused (as a
 * value) below what orders hold reserved there: the row is locked first, as reservations lock it.
 */
export async function setOnHand(
  db: PoolClient,
  stock: { sku: string; warehouseId: string; onHand: number },
): Promise<{ ok: true } | { ok: false; reserved: number }> {
  const current = await db.query<{ reserved: number }>(
    'SELECT reserved FROM stock WHERE sku = $1 AND warehouse_id = $2 FOR UPDATE',
    [stock.sku, stock.warehouseId],
  );
  const reserved = current.rows[0]?.reserved ?? 0;
  if (stock.onHand < reserved) return { ok: false, reserved };
  await db.query(
    `INSERT INTO stock (sku, warehouse_id, on_hand, reserved) VALUES ($1, $2, $3, 0)
     ON CONFLICT (sku, warehouse_id) DO UPDATE SET on_hand = EXCLUDED.on_hand`,
    [stock.sku, stock.warehouseId, stock.onHand],
  );
  return { ok: true };
}
