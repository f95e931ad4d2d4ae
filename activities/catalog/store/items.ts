/**
 * Catalog maintenance for operators (`orders catalog upsert|list`): plain functions over a Pool.
 * Not activities: no workflow calls them. Callers validate input; the database CHECKs are the
 * last line (price >= 0, currency format, reserved <= on_hand).
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../../src/db/pool';
import { setOnHand } from '../../inventory/store';
import type { Catalog, CatalogItem, ProductType } from '../../../src/domain';

/** What an upsert writes: an item that passed the catalog's rules (checkCatalogItem). */
export type CatalogUpsert = CatalogItem;

export interface WarehouseStock {
  warehouseId: string;
  onHand: number;
  reserved: number;
  available: number;
}

export interface CatalogRow extends Omit<CatalogItem, 'onHand' | 'warehouseId'> {
  warehouses: WarehouseStock[];
}

export type UpsertResult =
  | {
      ok: true;
      created: boolean;
      /** Where stock was set; none for goods without stock. */ warehouseId?: string;
      item: CatalogRow;
    }
  | { ok: false; reason: 'unknown-warehouse'; warehouseId?: string; known: string[] }
  | { ok: false; reason: 'below-reserved'; warehouseId: string; reserved: number };

/** A catalog_items row as pg returns it (bigint as string). */
export interface CatalogItemRow {
  sku: string;
  name: string;
  price_cents: string;
  currency: string;
  product_type: ProductType;
  release_at: Date | null;
}

interface StockJoinRow extends CatalogItemRow {
  warehouse_id: string | null;
  on_hand: number | null;
  reserved: number | null;
}

function group(rows: readonly StockJoinRow[]): CatalogRow[] {
  const items = new Map<string, CatalogRow>();
  for (const r of rows) {
    let item = items.get(r.sku);
    if (!item) {
      item = {
        sku: r.sku,
        name: r.name,
        priceCents: Number(r.price_cents),
        currency: r.currency,
        productType: r.product_type,
        ...(r.release_at ? { releaseAt: r.release_at.toISOString() } : {}),
        warehouses: [],
      };
      items.set(r.sku, item);
    }
    if (r.warehouse_id !== null) {
      const onHand = r.on_hand ?? 0;
      const reserved = r.reserved ?? 0;
      item.warehouses.push({ warehouseId: r.warehouse_id, onHand, reserved, available: onHand - reserved });
    }
  }
  return [...items.values()];
}

const SELECT_ITEMS = `
  SELECT c.sku, c.name, c.price_cents, c.currency, c.product_type, c.release_at, s.warehouse_id, s.on_hand, s.reserved
  FROM catalog_items c LEFT JOIN stock s ON s.sku = c.sku`;

/** Every catalog item with its stock per warehouse, by SKU (optionally only `skus`). */
export async function listCatalog(pool: Pool, skus?: readonly string[]): Promise<CatalogRow[]> {
  const { rows } = skus
    ? await pool.query<StockJoinRow>(`${SELECT_ITEMS} WHERE c.sku = ANY($1::text[]) ORDER BY c.sku, s.warehouse_id`, [
        skus,
      ])
    : await pool.query<StockJoinRow>(`${SELECT_ITEMS} ORDER BY c.sku, s.warehouse_id`);
  return group(rows);
}

/**
 * Creates or updates an item and sets its on-hand count at one warehouse, in one transaction.
 * Refuses (as a value) an unknown warehouse, and an on-hand count below what orders hold reserved.
 */
export async function upsertCatalogItem(pool: Pool, input: CatalogUpsert): Promise<UpsertResult> {
  return inTransaction<UpsertResult>(pool, async (db) => {
    const warehouses = (await db.query<{ id: string }>('SELECT id FROM warehouses ORDER BY id')).rows.map((r) => r.id);
    const warehouseId = input.warehouseId ?? warehouses[0];
    const stocked = input.onHand !== undefined;
    if (stocked && (warehouseId === undefined || !warehouses.includes(warehouseId))) {
      return {
        ok: false,
        reason: 'unknown-warehouse',
        ...(input.warehouseId ? { warehouseId: input.warehouseId } : {}),
        known: warehouses,
      };
    }
    const item = await db.query<{ created: boolean }>(
      `INSERT INTO catalog_items (sku, name, price_cents, currency, product_type, release_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents,
         currency = EXCLUDED.currency, product_type = EXCLUDED.product_type, release_at = EXCLUDED.release_at
       RETURNING (xmax = 0) AS created`,
      [
        input.sku,
        input.name,
        input.priceCents,
        input.currency,
        input.productType ?? 'physical',
        input.releaseAt ?? null,
      ],
    );
    if (!stocked || warehouseId === undefined)
      return { ok: true, created: item.rows[0]?.created ?? false, item: await rowOf(db, input.sku) };
    // Stock is inventory's: its store sets the count, or refuses one below what orders hold.
    const set = await setOnHand(db, { sku: input.sku, warehouseId, onHand: input.onHand! });
    if (!set.ok) throw new BelowReserved(warehouseId, set.reserved); // rolls the item change back too
    return { ok: true, created: item.rows[0]?.created ?? false, warehouseId, item: await rowOf(db, input.sku) };
  }).catch((err: unknown): UpsertResult => {
    if (err instanceof BelowReserved)
      return { ok: false, reason: 'below-reserved', warehouseId: err.warehouseId, reserved: err.reserved };
    throw err;
  });
}

async function rowOf(db: PoolClient, sku: string): Promise<CatalogRow> {
  const [row] = group(
    (await db.query<StockJoinRow>(`${SELECT_ITEMS} WHERE c.sku = $1 ORDER BY s.warehouse_id`, [sku])).rows,
  );
  if (!row) throw new Error(`catalog item ${sku} vanished inside its own transaction`);
  return row;
}

/** Internal: aborts the transaction (rolling back the item change) and becomes a refusal value. */
class BelowReserved extends Error {
  constructor(
    readonly warehouseId: string,
    readonly reserved: number,
  ) {
    super(`on hand below reserved at ${warehouseId}`);
  }
}

/** Pricing's view of these SKUs, from PostgreSQL (unknown SKUs are absent): orders and the catalog cache read it. */
export async function readCatalog(db: Pool | PoolClient, skus: readonly string[]): Promise<Catalog> {
  const { rows } = await db.query<CatalogItemRow>(
    'SELECT sku, name, price_cents, currency, product_type, release_at FROM catalog_items WHERE sku = ANY($1::text[])',
    [skus],
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.sku,
      {
        name: r.name,
        priceCents: Number(r.price_cents),
        currency: r.currency,
        productType: r.product_type,
        ...(r.release_at ? { releaseAt: r.release_at.toISOString() } : {}),
      },
    ]),
  );
}
