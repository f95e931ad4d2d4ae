/**
 * The orders a chaos run places: a seeded mix of payment tokens, approvals and cancellations,
 * over SKUs of the run's own with known stock (some scarce, so orders contend for it).
 * A small run still holds one order of every scenario (the coverage list below).
 */
import type { Pool } from 'pg';
import type { Random } from './random';

/** chaos-north ships nothing: the sandbox carrier refuses its parcels (SANDBOX_CARRIER_REFUSE_FROM). */
export const CHAOS_WAREHOUSES = ['chaos-east', 'chaos-west', 'chaos-north'] as const;
export const REFUSED_WAREHOUSE = 'chaos-north';
/** Added by plain SQL mid-run (tools/chaos/catalog-changes.ts): orders for it are placed after. */
export const NEW_SKU = 'CHAOS-NEW';

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
    // Only where the carrier refuses to collect: with a pen, one of two bookings is refused.
    { sku: 'CHAOS-VASE', priceCents: 2_450, stock: { 'chaos-north': Math.max(5, orders) } },
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
/** The `cancel` Update (the customer), the `cancel` Signal (`temporal workflow signal`) or cancelling the run (an operator, the Web UI). */
export type CancelHow = 'update' | 'signal' | 'run-cancel';
/** When an operator terminates the run: once it has captured (before any pickup), after a pickup, or at a random moment. */
export type TerminateWhen = 'after-capture' | 'after-pickup' | 'random';

export interface OrderPlan {
  index: number;
  orderId: string;
  customerId: string;
  items: Array<{ sku: string; quantity: number }>;
  token: Token;
  big: boolean;
  approval?: ApprovalAction;
  cancel?: { when: CancelWhen; how: CancelHow; delayMs: number };
  /** Terminated by an operator: the stranded-run watch must find it and its recovery settle it. */
  terminate?: { when: TerminateWhen; delayMs: number };
  /** One line ships from where the carrier refuses: one of its bookings fails. */
  refusedParcel?: boolean;
  /** Orders the SKU added by SQL mid-run: placed once it exists. */
  newSku?: boolean;
  /** A big order reset (`temporal workflow reset`) to its first task while it waits for approval, then approved. */
  reset?: boolean;
  /** A big order whose pens are taken out (`cancel-lines`) while it waits for approval, then approved. */
  trim?: boolean;
  /** Once delivered: a unit sent back (inspected resellable or damaged), or a goodwill refund. */
  after?: AfterDelivery;
}

export type AfterDelivery = 'return' | 'return-damaged' | 'goodwill';

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
  { token: 'tok_ok', big: false, cancel: { when: 'after-placement', how: 'signal', delayMs: 0 } },
  { token: 'tok_ok', big: false, terminate: { when: 'after-capture', delayMs: 0 } },
  { token: 'tok_ok', big: false, terminate: { when: 'after-pickup', delayMs: 0 } },
  { token: 'tok_ok', big: false, refusedParcel: true },
  { token: 'tok_ok', big: false, newSku: true },
  { token: 'tok_ok', big: true, reset: true },
  { token: 'tok_ok', big: true, approval: 'approve', trim: true },
  { token: 'tok_ok', big: false, after: 'return' },
  { token: 'tok_ok', big: false, after: 'return-damaged' },
  { token: 'tok_ok', big: false, after: 'goodwill' },
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
  if (big && rng.next() < 0.15) scenario.reset = true;
  else if (big)
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
      ['update', 50],
      ['signal', 15],
      ['run-cancel', 35],
    ]);
    scenario.cancel = { when, how, delayMs: when === 'random' ? rng.int(0, 4_000) : 0 };
  } else if (rng.next() < 0.06) {
    const when = rng.weighted<TerminateWhen>([
      ['after-capture', 40],
      ['after-pickup', 30],
      ['random', 30],
    ]);
    scenario.terminate = { when, delayMs: when === 'random' ? rng.int(0, 4_000) : 0 };
  }
  if (scenario.approval === 'approve' && rng.next() < 0.3) scenario.trim = true;
  if (!scenario.cancel && !scenario.terminate && rng.next() < 0.15)
    scenario.after = rng.weighted<AfterDelivery>([
      ['return', 45],
      ['return-damaged', 25],
      ['goodwill', 30],
    ]);
  if (!big && rng.next() < 0.06) scenario.refusedParcel = true;
  if (rng.next() < 0.05) scenario.newSku = true;
  return scenario;
}

function itemsFor(scenario: Scenario, rng: Random): OrderPlan['items'] {
  const items: OrderPlan['items'] = [];
  if (scenario.big) items.push({ sku: 'CHAOS-TV', quantity: 1 });
  if (!scenario.big || scenario.trim || rng.next() < 0.5) items.push({ sku: 'CHAOS-PEN', quantity: rng.int(1, 3) });
  if (rng.next() < 0.5) items.push({ sku: 'CHAOS-BOOK', quantity: rng.int(1, 3) });
  if (!scenario.big && rng.next() < 0.3) items.push({ sku: 'CHAOS-LAMP', quantity: rng.int(1, 3) });
  if (scenario.refusedParcel) items.push({ sku: 'CHAOS-VASE', quantity: 1 });
  if (scenario.newSku) items.push({ sku: NEW_SKU, quantity: 1 });
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
