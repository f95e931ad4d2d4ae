import { ApplicationFailure } from '@temporalio/activity';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../src/db/pool';
import {
  ERROR_TYPES,
  IdSchema,
  OrderItemsSchema,
  ShippingMethodSchema,
  assessRisk,
  defaultRuleSet,
  ORDER_EVENTS,
  formatZodError,
  isTerminal,
  orderIdOfWorkflow,
  orderWorkflowId,
  recoveryWorkflowId,
  priceOrder as priceItems,
  type OrderActivities,
  type OrderStatus,
  type PriceOrderInput,
  type PriceOrderResult,
  type PricedLineDto,
  type ProductType,
} from '../../src/domain';
import type { CatalogCache } from '../catalog/store/cache';
import { orderEnded } from '../../src/runtime/metrics';
import { logger } from '../../src/logger';
import { readCatalog } from '../catalog/store/items';
import { currentPlans, plansAt } from './store/plans';
import { FINAL_EVENTS, isOrderStatus, writeOrderStatus, type StatusWrite } from './store/read-model';

/**
 * The approval request and its reminders name the approvers, so the notifications consumer can
 * write to them with no call from the workflow. Each reminder is its own event (key per kind).
 */
function approvalEvent(
  orderId: string,
  status: string,
  approvers: string[] | undefined,
  reminder: 'half-way' | 'last-call' | undefined,
): StatusWrite['event'] {
  if (status !== 'AwaitingApproval' || !approvers) return undefined;
  if (!reminder) return { type: ORDER_EVENTS.OrderAwaitingApproval, payload: { orderId, status, approvers } };
  return { type: ORDER_EVENTS.ApprovalReminder, payload: { orderId, approvers, reminder }, keySuffix: reminder };
}

// ---------------------------------------------------------------------------------------------

function invalidInput(what: string, detail: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${what}: ${detail}`, ERROR_TYPES.InvalidInput);
}

interface OrderRow {
  currency: string;
  subtotal_cents: string;
  shipping_cents: string;
  total_cents: string;
  plan_versions: Record<string, number> | null;
}
interface LineRow {
  sku: string;
  name: string;
  quantity: number;
  unit_price_cents: string;
  line_total_cents: string;
  product_type: ProductType;
  release_at: Date | null;
}

/** The priced order as stored: what a retried priceOrder answers, whatever the catalog says now. */
async function loadPriced(db: Pool | PoolClient, orderId: string): Promise<PriceOrderResult | undefined> {
  const order = await db.query<OrderRow>(
    'SELECT currency, subtotal_cents, shipping_cents, total_cents, plan_versions FROM orders WHERE order_id = $1',
    [orderId],
  );
  const row = order.rows[0];
  if (!row) return undefined;
  const lines = await db.query<LineRow>(
    `SELECT sku, name, quantity, unit_price_cents, line_total_cents, product_type, release_at
     FROM order_lines WHERE order_id = $1 ORDER BY line_no`,
    [orderId],
  );
  return {
    ok: true,
    currency: row.currency,
    subtotalCents: Number(row.subtotal_cents),
    shippingCents: Number(row.shipping_cents),
    totalCents: Number(row.total_cents),
    lines: lines.rows.map((l): PricedLineDto => ({
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPriceCents: Number(l.unit_price_cents),
      lineTotalCents: Number(l.line_total_cents),
      productType: l.product_type,
      ...(l.release_at ? { releaseAt: l.release_at.toISOString() } : {}),
    })),
    plans: await plansAt(db, row.plan_versions ?? {}),
  };
}

/**
 * Claims `orderId` for `runId`, or throws OrderIdTaken (non-retryable) when another run owns it.
 * An id is unique for ever: Temporal forgets a closed workflow after its retention and would start
 * `order-<id>` again, and that run must not be answered the first order's stored result.
 */
/** The run that owns `orderId`, if any run claimed it. */
async function ownerOf(db: PoolClient, orderId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ run_id: string }>('SELECT run_id FROM order_ids WHERE order_id = $1', [orderId]);
  return rows[0]?.run_id;
}

async function claimOrderId(db: PoolClient, orderId: string, runId: string): Promise<void> {
  const claimed = await db.query(
    'INSERT INTO order_ids (order_id, run_id) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING',
    [orderId, runId],
  );
  let taken: boolean;
  if (claimed.rowCount === 1) {
    // A fresh claim over an existing order row: priced before claims existed (migration 0004), so
    // by another run. The refusal rolls the claim back.
    taken = (await db.query('SELECT 1 FROM orders WHERE order_id = $1', [orderId])).rowCount !== 0;
  } else {
    taken = (await ownerOf(db, orderId)) !== runId;
  }
  if (taken) {
    throw ApplicationFailure.nonRetryable(
      `order id ${orderId} is already taken by another order; order ids are never reused`,
      ERROR_TYPES.OrderIdTaken,
    );
  }
}

/** True when `runId` is given and another run owns `orderId`: its writes must not touch that order. */
async function ownedByAnother(db: PoolClient, orderId: string, runId: string | undefined): Promise<boolean> {
  if (!runId) return false;
  const owner = await ownerOf(db, orderId);
  if (owner === undefined || owner === runId) return false;
  logger.warn({ orderId }, 'read model: ignoring a write from a run that does not own this order id');
  return true;
}

/**
 * Writes the priced order (its row with the plan and rule versions, its lines, Created and the
 * OrderPlaced event). Answers the stored order instead when this run stored it already.
 */
async function storePricedOrder(
  db: PoolClient,
  input: PriceOrderInput,
  priced: Extract<PriceOrderResult, { ok: true }>,
): Promise<PriceOrderResult | undefined> {
  const inserted = await db.query(
    `INSERT INTO orders (order_id, customer_id, status, currency, subtotal_cents, shipping_cents, total_cents, plan_versions, rules_version)
     VALUES ($1, $2, 'Created', $3, $4, $5, $6, $7, $8) ON CONFLICT (order_id) DO NOTHING`,
    [
      input.orderId,
      input.customerId,
      priced.currency,
      priced.subtotalCents,
      priced.shippingCents,
      priced.totalCents,
      JSON.stringify(Object.fromEntries(priced.plans.map((p) => [p.productType, p.version]))),
      input.rules?.version ?? null,
    ],
  );
  if (inserted.rowCount === 0) {
    const stored = await loadPriced(db, input.orderId);
    if (stored) return stored;
  }
  await db.query(
    `INSERT INTO order_lines (order_id, line_no, sku, name, quantity, unit_price_cents, line_total_cents, product_type, release_at)
     SELECT $1, n, sku, name, quantity, unit_price, line_total, product_type, release_at
     FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::text[], $8::timestamptz[])
          WITH ORDINALITY AS l(sku, name, quantity, unit_price, line_total, product_type, release_at, n)
     ON CONFLICT DO NOTHING`,
    [
      input.orderId,
      priced.lines.map((l) => l.sku),
      priced.lines.map((l) => l.name),
      priced.lines.map((l) => l.quantity),
      priced.lines.map((l) => l.unitPriceCents),
      priced.lines.map((l) => l.lineTotalCents),
      priced.lines.map((l) => l.productType),
      priced.lines.map((l) => l.releaseAt ?? null),
    ],
  );
  await writeOrderStatus(db, {
    orderId: input.orderId,
    status: 'Created',
    event: {
      type: ORDER_EVENTS.OrderPlaced,
      payload: {
        orderId: input.orderId,
        customerId: input.customerId,
        currency: priced.currency,
        totalCents: priced.totalCents,
        items: priced.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      },
    },
  });
  return undefined;
}

export interface OrderActivityDeps {
  /** A workflow's status name (`RUNNING`, ...), or undefined when Temporal does not know it (WorkerDeps). */
  describeWorkflow: (workflowId: string) => Promise<string | undefined>;
  /** Workflow ids and status names of the runs a visibility query finds (WorkerDeps.listWorkflows). */
  listWorkflows?: (query: string, limit: number) => Promise<Array<{ workflowId: string; status: string }>>;
  /** The orders task queue of this deployment (its order runs are found by it). */
  ordersQueue?: string;
  /** Catalog reads through the caches (activities/catalog/store/cache.ts); without it, straight from PostgreSQL. */
  catalog?: Pick<CatalogCache, 'items'>;
}

export function createOrderActivities(
  pool: Pool,
  deps?: OrderActivityDeps,
): Omit<OrderActivities, 'loadPolicy' | 'claimCancellation' | 'verifyDecision'> {
  /**
   * A status write of this run's own order (a run that reused another order's id writes nothing);
   * the write that ends the order is counted in the metrics once it has committed.
   */
  async function writeOwnStatus(runId: string | undefined, w: StatusWrite): Promise<void> {
    const written = await inTransaction(pool, async (db) =>
      (await ownedByAnother(db, w.orderId, runId)) ? undefined : writeOrderStatus(db, w),
    );
    if (written?.endedPlacedAt) orderEnded(w.status, w.failureReason, written.endedPlacedAt);
  }

  return {
    async priceOrder(input) {
      const orderId = IdSchema.safeParse(input.orderId);
      if (!orderId.success) throw invalidInput('orderId', formatZodError(orderId.error));
      const customerId = IdSchema.safeParse(input.customerId);
      if (!customerId.success) throw invalidInput('customerId', formatZodError(customerId.error));
      const items = OrderItemsSchema.safeParse(input.items);
      if (!items.success) throw invalidInput('items', formatZodError(items.error));
      const method = ShippingMethodSchema.safeParse(input.shippingMethod);
      if (!method.success) throw invalidInput('shippingMethod', formatZodError(method.error));

      const runId = input.runId;
      if (typeof runId !== 'string' || runId === '')
        throw invalidInput('runId', 'is required (the order run that owns the id)');

      return inTransaction(pool, async (db) => {
        // The id first, before the catalog: even an order refused for an unknown SKU keeps its id.
        await claimOrderId(db, input.orderId, runId);

        const skus = items.data.map((i) => i.sku);
        const catalog = deps?.catalog ? await deps.catalog.items(skus) : await readCatalog(db, skus);
        const pricing = priceItems(items.data, catalog, method.data, input.rules?.shipping);
        // Business failures are answers, and nothing but the claim is written for them.
        if (!pricing.ok) return pricing;
        // The plans of the order's product types, as they are now: the order runs these versions.
        const plans = await currentPlans(db, [...new Set(pricing.lines.map((l) => l.productType))]);
        const priced = { ...pricing, plans };

        // A retry of this run after a lost answer (the claim says so) answers what was stored.
        return (await storePricedOrder(db, input, priced)) ?? priced;
      });
    },

    /** The order's risk rules (its rule set), over what the database knows of the customer. */
    async screenCustomer(input) {
      const risk = input.risk ?? defaultRuleSet(0).risk;
      const windowHours = risk.velocity?.windowHours ?? 0;
      // Counted up to this order's own creation (now() if it has no row), not up to the moment of
      // asking: a retried screening gives the same answer however many orders came since.
      const { rows } = await pool.query<{ all_time: string; in_window: string }>(
        `WITH me AS (SELECT COALESCE((SELECT created_at FROM orders WHERE order_id = $2), now()) AS at)
         SELECT count(*) AS all_time,
                count(*) FILTER (WHERE o.created_at > me.at - make_interval(hours => $3)) AS in_window
         FROM orders o, me WHERE o.customer_id = $1 AND o.order_id <> $2 AND o.created_at < me.at`,
        [input.customerId, input.orderId, windowHours],
      );
      return assessRisk(
        {
          customerId: input.customerId,
          totalCents: input.totalCents,
          country: input.country ?? '',
          previousOrders: Number(rows[0]!.all_time),
          ordersInWindow: Number(rows[0]!.in_window),
        },
        risk,
      );
    },

    async recordStatus({ orderId, status, note, runId, approvers, reminder, approval }) {
      if (!isOrderStatus(status)) throw invalidInput('status', `unknown order status ${JSON.stringify(status)}`);
      await writeOwnStatus(runId, {
        orderId,
        status,
        note,
        event: approvalEvent(orderId, status, approvers, reminder),
        ...(approval && status === 'AwaitingApproval' ? { approval } : {}),
      });
    },

    async finalizeOrder({ orderId, status, failureReason, runId, note }) {
      if (!FINAL_EVENTS[status])
        throw invalidInput(
          'status',
          `finalizeOrder takes Cancelled, Refunded or Delivered, got ${JSON.stringify(status)}`,
        );
      await writeOwnStatus(runId, {
        orderId,
        status,
        note: note ?? failureReason,
        failureReason,
        event: { type: FINAL_EVENTS[status], payload: { orderId, status, reason: failureReason } },
      });
    },

    async isOrderRunning({ orderId }) {
      if (!deps) throw new Error('isOrderRunning needs describeWorkflow (OrderActivityDeps)');
      // Any other failure to ask (Temporal unreachable) is thrown and retried: never read as "not running".
      return (await deps.describeWorkflow(orderWorkflowId(orderId))) === 'RUNNING';
    },

    async orderRunState({ orderId }) {
      if (!deps) throw new Error('orderRunState needs describeWorkflow (OrderActivityDeps)');
      const state = await deps.describeWorkflow(orderWorkflowId(orderId));
      return state === undefined ? {} : { state };
    },

    async findStrandedOrders({ lookbackMs, limit }) {
      if (!deps?.listWorkflows || !deps.ordersQueue)
        throw new Error('findStrandedOrders needs listWorkflows and ordersQueue (OrderActivityDeps)');
      const since = new Date(Date.now() - lookbackMs).toISOString();
      const closed = await deps.listWorkflows(
        `WorkflowType = 'orderWorkflow' AND TaskQueue = '${deps.ordersQueue}' AND ` +
          `ExecutionStatus IN ('Terminated', 'TimedOut', 'Failed') AND CloseTime > '${since}'`,
        limit * 10,
      );
      const stranded: Array<{ orderId: string; closedAs: string }> = [];
      for (const run of closed) {
        const orderId = orderIdOfWorkflow(run.workflowId);
        if (stranded.length >= limit || stranded.some((s) => s.orderId === orderId)) continue;
        const facts = await pool.query<{ status: OrderStatus; attention: string | null }>(
          'SELECT status, attention FROM orders WHERE order_id = $1',
          [orderId],
        );
        const row = facts.rows[0];
        if (!row || isTerminal(row.status) || row.attention !== null) continue;
        // A reset's new run settles the order itself.
        if ((await deps.describeWorkflow(run.workflowId)) === 'RUNNING') continue;
        // A recovery running or done already is not a candidate (it would hold a place in `limit`); a failed one is.
        const recovery = await deps.describeWorkflow(recoveryWorkflowId(orderId));
        if (recovery === 'RUNNING' || recovery === 'COMPLETED') continue;
        stranded.push({ orderId, closedAs: run.status });
      }
      return stranded;
    },

    async orderFacts({ orderId }) {
      const { rows } = await pool.query<{
        customer_id: string;
        status: string;
        attention: string | null;
        failure_reason: string | null;
      }>('SELECT customer_id, status, attention, failure_reason FROM orders WHERE order_id = $1', [orderId]);
      const row = rows[0];
      if (!row) return undefined;
      const priced = await loadPriced(pool, orderId);
      return {
        orderId,
        customerId: row.customer_id,
        status: row.status,
        lines: priced?.ok ? priced.lines : [],
        attention: row.attention,
        failureReason: row.failure_reason,
      };
    },

    async flagOrder({ orderId, reason }) {
      await pool.query('UPDATE orders SET attention = $2, updated_at = now() WHERE order_id = $1', [orderId, reason]);
    },

    async removeOrderLines({ orderId, skus, by, reason, subtotalCents, shippingCents, totalCents }) {
      await inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ status: OrderStatus }>(
          'SELECT status FROM orders WHERE order_id = $1 FOR UPDATE',
          [orderId],
        );
        if (!rows[0]) return;
        await db.query(
          `INSERT INTO order_line_cancels (order_id, sku, quantity, unit_price_cents, removed_by, reason)
           SELECT order_id, sku, quantity, unit_price_cents, $3, $4 FROM order_lines WHERE order_id = $1 AND sku = ANY($2::text[])
           ON CONFLICT DO NOTHING`,
          [orderId, skus, by, reason],
        );
        await db.query('DELETE FROM order_lines WHERE order_id = $1 AND sku = ANY($2::text[])', [orderId, skus]);
        await db.query(
          `UPDATE orders SET subtotal_cents = $2, shipping_cents = $3, total_cents = $4, updated_at = now() WHERE order_id = $1`,
          [orderId, subtotalCents, shippingCents, totalCents],
        );
        const note = `lines removed by ${by}: ${[...skus].sort().join(', ')} (${reason})`;
        await writeOrderStatus(db, { orderId, status: rows[0].status, note });
      });
    },
  };
}
