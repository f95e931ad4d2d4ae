/**
 * The fulfilment plan store (migrations/0008): one row per product type and version, owned by the
 * orders service. Plans are validated (PlanSchema) before they are saved; a saved version is never
 * changed, so an order's snapshot names exactly what it ran.
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../../src/db/pool';
import type { PlanNode, PlanSnapshot, ProductType } from '../../../src/domain';

export interface StoredPlan extends PlanSnapshot {
  note: string;
  createdAt: string;
}

interface PlanRow {
  product_type: ProductType;
  version: number;
  body: PlanNode;
  note: string;
  created_at: Date;
}

const stored = (r: PlanRow): StoredPlan => ({
  productType: r.product_type,
  version: r.version,
  plan: r.body,
  note: r.note,
  createdAt: r.created_at.toISOString(),
});
const snapshot = (r: PlanRow): PlanSnapshot => ({ productType: r.product_type, version: r.version, plan: r.body });

/** The newest version of each of these product types' plans. */
export async function currentPlans(db: PoolClient | Pool, types: readonly ProductType[]): Promise<PlanSnapshot[]> {
  const { rows } = await db.query<PlanRow>(
    `SELECT DISTINCT ON (product_type) product_type, version, body, note, created_at FROM fulfilment_plans
     WHERE product_type = ANY($1::text[]) ORDER BY product_type, version DESC`,
    [[...types]],
  );
  return rows.map(snapshot);
}

/** The given versions (an order's snapshot, read again). */
export async function plansAt(db: Pool | PoolClient, versions: Record<string, number>): Promise<PlanSnapshot[]> {
  const { rows } = await db.query<PlanRow>(
    `SELECT p.product_type, p.version, p.body, p.note, p.created_at
     FROM fulfilment_plans p JOIN jsonb_each_text($1::jsonb) v ON v.key = p.product_type AND v.value::int = p.version
     ORDER BY p.product_type`,
    [JSON.stringify(versions)],
  );
  return rows.map(snapshot);
}

export async function listPlans(pool: Pool): Promise<StoredPlan[]> {
  const { rows } = await pool.query<PlanRow>(
    `SELECT DISTINCT ON (product_type) product_type, version, body, note, created_at FROM fulfilment_plans
     ORDER BY product_type, version DESC`,
  );
  return rows.map(stored);
}

export async function planHistory(pool: Pool, type?: ProductType): Promise<StoredPlan[]> {
  const { rows } = await pool.query<PlanRow>(
    `SELECT product_type, version, body, note, created_at FROM fulfilment_plans
     WHERE $1::text IS NULL OR product_type = $1 ORDER BY product_type, version`,
    [type ?? null],
  );
  return rows.map(stored);
}

/** Saves a validated plan as the type's next version; new orders use it, running ones keep theirs. */
export function savePlan(pool: Pool, type: ProductType, plan: PlanNode, note: string): Promise<StoredPlan> {
  return inTransaction(pool, async (db) => {
    // Serialises two saves of one type: each gets its own version.
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fulfilment-plan:${type}`]);
    const { rows } = await db.query<PlanRow>(
      `INSERT INTO fulfilment_plans (product_type, version, body, note)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2::jsonb, $3 FROM fulfilment_plans WHERE product_type = $1
       RETURNING product_type, version, body, note, created_at`,
      [type, JSON.stringify(plan), note],
    );
    return stored(rows[0]!);
  });
}
