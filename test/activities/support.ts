import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';

/** A pool on the run's database (global setup migrated it). */
export function testPool(max = 10): Pool {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run tests through jest (global setup provides it)');
  return createPool(url, max);
}

/** 'prefix-1a2b3c4d': ids no other test (or run) uses. */
export function uid(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The ApplicationFailure `promise` rejects with; fails the test if it resolves or throws something else. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  let result: unknown;
  try {
    result = await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error(`expected an ApplicationFailure, got ${JSON.stringify(result)}`);
}

/** This test file's own warehouses and catalog items, so the seeded demo stock is never touched. */
export async function insertWarehouses(pool: Pool, ids: readonly string[]): Promise<void> {
  await pool.query(`INSERT INTO warehouses (id, name) SELECT id, 'test ' || id FROM unnest($1::text[]) AS t(id)`, [
    ids,
  ]);
}

export async function insertItem(
  pool: Pool,
  sku: string,
  priceCents: number,
  stock: Record<string, number> = {},
  name = `Test item ${sku}`,
): Promise<void> {
  await pool.query(`INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES ($1, $2, $3, 'USD')`, [
    sku,
    name,
    priceCents,
  ]);
  for (const [warehouseId, onHand] of Object.entries(stock)) {
    await pool.query('INSERT INTO stock (sku, warehouse_id, on_hand) VALUES ($1, $2, $3)', [sku, warehouseId, onHand]);
  }
}

export async function stockOf(pool: Pool, sku: string): Promise<Record<string, { onHand: number; reserved: number }>> {
  const { rows } = await pool.query<{ warehouse_id: string; on_hand: number; reserved: number }>(
    'SELECT warehouse_id, on_hand, reserved FROM stock WHERE sku = $1 ORDER BY warehouse_id',
    [sku],
  );
  return Object.fromEntries(rows.map((r) => [r.warehouse_id, { onHand: r.on_hand, reserved: r.reserved }]));
}

export async function count(pool: Pool, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]?.n ?? 0;
}
