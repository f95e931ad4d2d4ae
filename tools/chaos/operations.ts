/**
 * What the world does to a chaos run besides crashing it: the system's own schedules at short
 * intervals (the reservation sweeper and the stranded-run watch, as in production but every few
 * seconds), the payment provider answering "not now" (429, then 408, with Retry-After) and once
 * down for longer than the payment window, and the catalog changed by plain SQL mid-run (a new SKU
 * and a price), as a migration or another tool would.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { applySchedules } from '../../src/runtime/schedules';
import { startSandboxPaymentsApi, type RunningPaymentsApi } from '../../src/providers/sandbox/payments-api';
import type { ReadModelRow } from './drive';
import { NEW_SKU } from './order-mix';

/** The payment window the run's workers use, and the provider outage that outlasts it once. */
export const CHAOS_PAYMENT_WINDOW_MS = 5_000;
const PAYMENTS_OUTAGE_MS = CHAOS_PAYMENT_WINDOW_MS + 3_000;

/** The book's price after the change (it was 19.99). */
export const CHANGED_BOOK_PRICE_CENTS = 2_199;
const NEW_SKU_STOCK = 1_000;
/** A catalog change must reach new orders within this (docs/operations.md, Caching). */
export const CATALOG_FRESH_MS = 2_000;
const NOT_NOW_RATE = 0.1;

export interface CatalogChange {
  /** When the SQL committed (ms since the epoch). */
  at: number;
  newSku: string;
  warehouse: string;
  stock: number;
}

export interface RunOperations {
  readModel(orderId: string): Promise<ReadModelRow | undefined>;
  /** Resolves CATALOG_FRESH_MS after the catalog change. */
  newSkuReady: Promise<void>;
  /** Makes the catalog change once `placed` reaches a third of `total`. */
  onPlaced(placed: number, total: number): void;
  catalogChange(): CatalogChange | undefined;
  /** "Not now" answers the payment provider gave. */
  notNow(): number;
  stop(): Promise<void>;
}

/**
 * Starts the payments API the workers call (PAYMENTS_PROVIDER=http on `paymentsPort`) and applies
 * the schedules; `pool` reaches PostgreSQL directly (not through the run's faulty proxy).
 */
export async function startOperations(opts: {
  client: Client;
  pool: Pool;
  taskQueuePrefix: string;
  paymentsPort: number;
  log: (line: string) => void;
}): Promise<RunOperations> {
  const api: RunningPaymentsApi = await startSandboxPaymentsApi({
    provider: createSandboxPaymentProvider(opts.pool, { slowMs: 1_500 }),
    port: opts.paymentsPort,
    host: '127.0.0.1',
  });
  api.faults.set({ transientRate: NOT_NOW_RATE, transientStatus: 429, retryAfterS: 1 });
  await applySchedules(opts.client, {
    taskQueuePrefix: opts.taskQueuePrefix,
    intervalMs: 10_000,
    reconcileCron: '0 3 * * *',
    outboxLagCheckMs: 60 * 60_000,
    outboxLagAlertMs: 60 * 60_000,
    strandedWatchMs: 5_000,
    strandedLookbackMs: 60 * 60_000,
  });
  let change: CatalogChange | undefined;
  let changing = false;
  let ready!: () => void;
  const newSkuReady = new Promise<void>((resolve) => (ready = resolve));

  const changeCatalog = async () => {
    const warehouse = 'chaos-east';
    await opts.pool.query(`INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES ($1, $1, 1250, 'USD')`, [
      NEW_SKU,
    ]);
    await opts.pool.query(`INSERT INTO stock (sku, warehouse_id, on_hand, reserved) VALUES ($1, $2, $3, 0)`, [
      NEW_SKU,
      warehouse,
      NEW_SKU_STOCK,
    ]);
    await opts.pool.query(`UPDATE catalog_items SET price_cents = $1 WHERE sku = 'CHAOS-BOOK'`, [
      CHANGED_BOOK_PRICE_CENTS,
    ]);
    change = { at: Date.now(), newSku: NEW_SKU, warehouse, stock: NEW_SKU_STOCK };
    opts.log(`chaos: catalog changed by SQL: ${NEW_SKU} added, CHAOS-BOOK now ${CHANGED_BOOK_PRICE_CENTS}`);
    setTimeout(ready, CATALOG_FRESH_MS).unref();
  };

  return {
    async readModel(orderId) {
      const { rows } = await opts.pool.query<ReadModelRow>('SELECT status, attention FROM orders WHERE order_id = $1', [
        orderId,
      ]);
      return rows[0];
    },
    newSkuReady,
    onPlaced(placed, total) {
      if (changing || placed < Math.ceil(total / 3)) return;
      changing = true;
      // From here the provider's "not now" answers turn from 429 to 408, after an outage longer
      // than the payment window: authorizations waiting for their capture expire, and are renewed.
      api.faults.set({ transientStatus: 408, outageMs: PAYMENTS_OUTAGE_MS });
      changeCatalog().catch((err: unknown) => opts.log(`chaos: catalog change failed: ${String(err)}`));
    },
    catalogChange: () => change,
    notNow: () => api.faults.state().injected.transient,
    async stop() {
      await api.stop();
    },
  };
}
