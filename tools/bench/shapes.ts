/**
 * The order shapes the bench places, over SKUs and warehouses of its own with stock enough for
 * any run: one line from one warehouse; ten lines from two warehouses (two parcels, followed by
 * the order itself from v0.8; two shipment children before); one line big enough to need an approver (the bench approves it itself);
 * and, for the cost growth (growth.ts), ten and fifty lines from one warehouse.
 */
import type { Pool } from 'pg';

export const SHAPES = ['one-line', 'ten-lines', 'approval', 'ten-lines-1wh', 'fifty-lines'] as const;
export type Shape = (typeof SHAPES)[number];

export function isShape(value: string): value is Shape {
  return (SHAPES as readonly string[]).includes(value);
}

export const SHAPE_DESCRIPTIONS: Record<Shape, string> = {
  'one-line': '1 line, 1 warehouse',
  'ten-lines': '10 lines, 2 warehouses, so 2 parcels',
  approval: '1 line of 1,500.00, approved by the bench as soon as it waits',
  'ten-lines-1wh': '10 lines, 1 warehouse',
  'fifty-lines': '50 lines, 1 warehouse',
};

/** Lines and parcels (warehouses) of each shape: what the cost growth is read against. */
export const SHAPE_SIZES: Record<Shape, { lines: number; warehouses: number }> = {
  'one-line': { lines: 1, warehouses: 1 },
  'ten-lines': { lines: 10, warehouses: 2 },
  approval: { lines: 1, warehouses: 1 },
  'ten-lines-1wh': { lines: 10, warehouses: 1 },
  'fifty-lines': { lines: 50, warehouses: 1 },
};

/** Orders at or above this wait for approval; the bench's worker is given it explicitly. */
export const BENCH_APPROVAL_THRESHOLD_CENTS = 100_000;
/** The only approver the bench's worker accepts, and the name its automatic approver uses. */
export const BENCH_APPROVER = 'bench-approver';

const EAST = 'bench-east';
const WEST = 'bench-west';
const PLENTY = 1_000_000;

interface BenchSku {
  sku: string;
  priceCents: number;
  warehouse: string;
}

const ONE: BenchSku = { sku: 'BENCH-ONE', priceCents: 2_500, warehouse: EAST };
const BIG: BenchSku = { sku: 'BENCH-BIG', priceCents: 150_000, warehouse: EAST };
// Each SKU is stocked in one warehouse only, so reservation's choice is fixed: 5 lines per parcel.
const TEN: BenchSku[] = Array.from({ length: 10 }, (_, i) => ({
  sku: `BENCH-L${String(i + 1).padStart(2, '0')}`,
  priceCents: 1_000 + i * 100,
  warehouse: i < 5 ? EAST : WEST,
}));
// Fifty SKUs of one warehouse; the first ten make the ten-line one-warehouse order. 50 lines stay
// below the approval threshold (at most 9.90 each).
const FIFTY: BenchSku[] = Array.from({ length: 50 }, (_, i) => ({
  sku: `BENCH-E${String(i + 1).padStart(2, '0')}`,
  priceCents: 500 + i * 10,
  warehouse: EAST,
}));

export async function seedBenchCatalog(pool: Pool): Promise<void> {
  for (const w of [EAST, WEST])
    await pool.query('INSERT INTO warehouses (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING', [w]);
  for (const item of [ONE, BIG, ...TEN, ...FIFTY]) {
    await pool.query(
      `INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES ($1, $1, $2, 'USD') ON CONFLICT (sku) DO NOTHING`,
      [item.sku, item.priceCents],
    );
    await pool.query(
      `INSERT INTO stock (sku, warehouse_id, on_hand, reserved) VALUES ($1, $2, $3, 0) ON CONFLICT (sku, warehouse_id) DO NOTHING`,
      [item.sku, item.warehouse, PLENTY],
    );
  }
}

export function itemsOf(shape: Shape): Array<{ sku: string; quantity: number }> {
  switch (shape) {
    case 'one-line':
      return [{ sku: ONE.sku, quantity: 1 }];
    case 'ten-lines':
      return TEN.map((t) => ({ sku: t.sku, quantity: 1 }));
    case 'approval':
      return [{ sku: BIG.sku, quantity: 1 }];
    case 'ten-lines-1wh':
      return FIFTY.slice(0, 10).map((t) => ({ sku: t.sku, quantity: 1 }));
    case 'fifty-lines':
      return FIFTY.map((t) => ({ sku: t.sku, quantity: 1 }));
  }
}

/** The request placeOrder takes (no personal data: a made-up address, an opaque customer id). */
export function orderRequest(shape: Shape, orderId: string, index: number) {
  return {
    orderId,
    customerId: `bench-cust-${index % 50}`,
    items: itemsOf(shape),
    shippingAddress: {
      name: 'Bench Runner',
      line1: '1 Loopback Way',
      city: 'Localhost',
      postalCode: '12345',
      country: 'US',
    },
    payment: { method: 'card' as const, token: 'tok_ok' },
    shippingMethod: 'standard' as const,
  };
}
