/**
 * The orders a chaos run places: a seeded mix of payment tokens, approvals and cancellations,
 * over SKUs of the run's own with known stock (some scarce, so orders contend for it).
 * A small run still holds one order of every scenario (the coverage list below).
 */
import type { Pool } from 'pg';
import type { Random } from './random';

export const CHAOS_WAREHOUSES = ['chaos-east', 'chaos-west'] as const;

export interface SeededSku {
  sku: string;
  priceCents: number;
  stock: Record<string, number>;
}

/** The run's catalog. Scarce stock grows slowly with the run so contention happens at every size. */
export function chaosCatalog(orders: number): SeededSku[] {
  // Near demand, so some orders contend and lose, and most still go the whole way.
  const scarce = Math.max(3, Math.round(orders / 15));
  const lamps = Math.max(5, Math.round(orders / 6));
  return [
    // Plentiful, in both warehouses (the one with most wins: west).
    { sku: 'CHAOS-PEN', priceCents: 299, stock: { 'chaos-east': 5_000, 'chaos-west': 6_000 } },
    // East only: with a pen, an order ships as two parcels.
    { sku: 'CHAOS-BOOK', priceCents: 1_999, stock: { 'chaos-east': 2_000 } },
    // Scarce: orders contend, some end out of stock, larger ones split across warehouses.
    { sku: 'CHAOS-LAMP', priceCents: 4_599, stock: { 'chaos-east': lamps, 'chaos-west': lamps } },
    // Big (needs approval) and scarce.
    { sku: 'CHAOS-TV', priceCents: 129_900, stock: { 'chaos-east': scarce, 'chaos-west': scarce } },
  ];
}

export async function seedCatalog(pool: Pool, catalog: readonly SeededSku[]): Promise<void> {
  for (const w of CHAOS_WAREHOUSES)
    await pool.query('INSERT INTO warehouses (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING', [w]);
  for (const item of catalog) {
    await pool.query(
      `INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES ($1, $1, $2, 'USD')
       ON CONFLICT (sku) DO NOTHING`,
      [item.sku, item.priceCents],
    );
    for (const [warehouse, onHand] of Object.entries(item.stock))
      await pool.query(
        `INSERT INTO stock (sku, warehouse_id, on_hand, reserved) VALUES ($1, $2, $3, 0)
         ON CONFLICT (sku, warehouse_id) DO NOTHING`,
        [item.sku, warehouse, onHand],
      );
  }
}

export const TOKENS = ['tok_ok', 'tok_declined', 'tok_flaky', 'tok_slow'] as const;
export type Token = (typeof TOKENS)[number];
export type ApprovalAction = 'approve' | 'reject' | 'timeout';
/** When a cancel is sent: at once, while a slow payment runs, after the carrier picked up, or at a random moment. */
export type CancelWhen = 'after-placement' | 'mid-payment' | 'after-pickup' | 'random';
/** The `cancel` Update (the customer) or cancelling the run (an operator, the Web UI). */
export type CancelHow = 'update' | 'run-cancel';

export interface OrderPlan {
  index: number;
  orderId: string;
  customerId: string;
  items: Array<{ sku: string; quantity: number }>;
  token: Token;
  big: boolean;
  approval?: ApprovalAction;
  cancel?: { when: CancelWhen; how: CancelHow; delayMs: number };
}

export type Scenario = Omit<OrderPlan, 'index' | 'orderId' | 'customerId' | 'items'>;

/** One order of each of these, whatever the size (when it holds that many orders). */
const COVERAGE: Scenario[] = [
  { token: 'tok_declined', big: false },
  { token: 'tok_flaky', big: false },
  { token: 'tok_slow', big: false },
  { token: 'tok_slow', big: false, cancel: { when: 'mid-payment', how: 'update', delayMs: 0 } },
  { token: 'tok_slow', big: false, cancel: { when: 'mid-payment', how: 'run-cancel', delayMs: 0 } },
  { token: 'tok_ok', big: true, approval: 'approve' },
  { token: 'tok_ok', big: true, approval: 'reject' },
  { token: 'tok_ok', big: true, approval: 'timeout' },
  { token: 'tok_ok', big: false, cancel: { when: 'after-placement', how: 'update', delayMs: 0 } },
  { token: 'tok_ok', big: false, cancel: { when: 'after-placement', how: 'run-cancel', delayMs: 0 } },
  { token: 'tok_ok', big: false, cancel: { when: 'after-pickup', how: 'update', delayMs: 0 } },
  { token: 'tok_ok', big: false, cancel: { when: 'after-pickup', how: 'run-cancel', delayMs: 0 } },
];

function randomScenario(rng: Random): Scenario {
  const token = rng.weighted<Token>([
    ['tok_ok', 70],
    ['tok_declined', 8],
    ['tok_flaky', 10],
    ['tok_slow', 12],
  ]);
  const big = rng.next() < 0.12;
  const scenario: Scenario = { token, big };
  if (big)
    scenario.approval = rng.weighted<ApprovalAction>([
      ['approve', 70],
      ['reject', 20],
      ['timeout', 10],
    ]);
  if (rng.next() < 0.25) {
    let when = rng.weighted<CancelWhen>([
      ['after-placement', 30],
      ['mid-payment', 20],
      ['after-pickup', 25],
      ['random', 25],
    ]);
    if (when === 'mid-payment' && token !== 'tok_slow') when = 'random';
    const how = rng.weighted<CancelHow>([
      ['update', 60],
      ['run-cancel', 40],
    ]);
    scenario.cancel = { when, how, delayMs: when === 'random' ? rng.int(0, 4_000) : 0 };
  }
  return scenario;
}

function itemsFor(scenario: Scenario, rng: Random): OrderPlan['items'] {
  const items: OrderPlan['items'] = [];
  if (scenario.big) items.push({ sku: 'CHAOS-TV', quantity: 1 });
  if (!scenario.big || rng.next() < 0.5) items.push({ sku: 'CHAOS-PEN', quantity: rng.int(1, 3) });
  if (rng.next() < 0.5) items.push({ sku: 'CHAOS-BOOK', quantity: rng.int(1, 3) });
  if (!scenario.big && rng.next() < 0.3) items.push({ sku: 'CHAOS-LAMP', quantity: rng.int(1, 3) });
  return items;
}

/** `count` orders: the coverage scenarios first (as many as fit), the rest random; then shuffled. */
export function planOrders(count: number, rng: Random, runId: string): OrderPlan[] {
  const scenarios = [...COVERAGE.slice(0, count)];
  while (scenarios.length < count) scenarios.push(randomScenario(rng));
  return rng.shuffle(scenarios).map((scenario, index) => ({
    ...scenario,
    index,
    orderId: `${runId}-${String(index).padStart(5, '0')}`,
    customerId: `chaos-cust-${rng.int(1, 25)}`,
    items: itemsFor(scenario, rng),
  }));
}

/** The request placeOrder takes. */
export function orderRequest(plan: OrderPlan) {
  return {
    orderId: plan.orderId,
    customerId: plan.customerId,
    items: plan.items,
    shippingAddress: {
      name: 'Chaos Tester',
      line1: '1 Loopback Way',
      city: 'Localhost',
      postalCode: '12345',
      country: 'US',
    },
    payment: { method: 'card' as const, token: plan.token },
  };
}
