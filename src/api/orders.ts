/**
 * The order endpoints: place (with a required Idempotency-Key), read. A storefront sees only the
 * orders it placed, a customer only their own: any other id is a 404, as if it did not exist.
 * Staff see every order, and customer service, operators and admins place orders too (a phone
 * order, the `orders` CLI): their placements are kept under `staff:<username>` (a storefront's
 * name has no colon), and the workflow knows its placer, who may then not approve it.
 */
import { createHash } from 'node:crypto';
import * as otel from '@opentelemetry/api';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  IdSchema,
  ORDER_STATUSES,
  MAX_BACKORDER_MS,
  OrderInputSchema,
  orderWorkflowId,
  taskQueueFor,
  type OrderSettings,
  type OrderView,
  type StaffRole,
} from '../domain';
import { admitOrder, OverCapacity } from '../placement/admission';
import { PaymentsUnavailable, type PaymentMethodVault } from '../placement/payment-methods';
import { InvalidRequest, OrderExists, parseOrderInput, placeOrder } from '../placement/place-order';
import { statusQuery } from '../../workflows/order-api';
import { returnsOfOrder } from '../../activities/returns/store/returns';
import { principalOf, type Principal } from './principal';
import { sendProblem } from './problem';

export interface OrdersApiDeps {
  client: Client;
  pool: Pool;
  vault: PaymentMethodVault;
  settings: OrderSettings;
  taskQueuePrefix?: string;
  /** MAX_ORDERS_IN_FLIGHT: above it a placement is refused with 503 (0: no limit). */
  maxInFlight: number;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** An order, and what its placer may ask of its placement: to wait for a restock this long. */
const PlaceOrderBody = OrderInputSchema.extend({
  backorderWithinMs: z.number().int().min(1_000).max(MAX_BACKORDER_MS).optional(),
});
const OrderIdParams = z.object({ orderId: IdSchema });
const ListQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/** The caller's W3C trace context (`traceparent`, `tracestate`), and nothing else it sent. */
function traceContextOf(headers: FastifyRequest['headers']): otel.Context {
  const only = { traceparent: headers.traceparent, tracestate: headers.tracestate };
  return otel.propagation.extract(otel.ROOT_CONTEXT, only);
}

/** Staff who may place an order for a customer. */
export const PLACES: readonly StaffRole[] = ['customer-service', 'operator', 'admin'];

/**
 * Who places through the request: a storefront by its API key, or staff in PLACES (their
 * placements kept apart, under `staff:<username>`); anyone else is refused with a 403.
 */
function placerOf(request: FastifyRequest, reply: FastifyReply): { channel: string; placedBy: string } | undefined {
  const who = principalOf(request);
  if (who.kind === 'storefront') return { channel: who.storefront, placedBy: `storefront:${who.storefront}` };
  if (who.kind === 'staff' && PLACES.includes(who.role))
    return { channel: `staff:${who.username}`, placedBy: who.username };
  void sendProblem(
    reply,
    403,
    'Forbidden',
    'Authorization: a storefront API key (Bearer dok_...), or a customer-service, operator or admin session, places orders',
  );
  return undefined;
}

export function orderRoutes(app: FastifyInstance, deps: OrdersApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/v1/orders',
    {
      schema: {
        summary: 'Place an order (Idempotency-Key required: the same key and body answer the same order)',
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: PlaceOrderBody,
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
        return sendProblem(
          reply,
          400,
          'Idempotency-Key required',
          'Idempotency-Key: 1-255 printable characters, one per order',
        );
      const placer = placerOf(request, reply);
      if (!placer) return reply;
      const storefront = placer.channel;
      const requestHash = createHash('sha256').update(JSON.stringify(request.body)).digest();
      const earlier = await deps.pool.query<{ order_id: string; request_sha256: Buffer; stale: boolean }>(
        `SELECT order_id, request_sha256, created_at < now() - interval '30 seconds' AS stale
         FROM api_orders WHERE storefront = $1 AND idempotency_key = $2`,
        [storefront, key],
      );
      const row = earlier.rows[0];
      if (row) {
        if (!row.request_sha256.equals(requestHash))
          return sendProblem(reply, 422, 'Idempotency-Key reused', 'Idempotency-Key: already used with another body');
        const view = await readOrderView(deps.client, row.order_id);
        if (view) return reply.code(200).send(view);
        // Claimed, never started: a request in progress, or one that died before starting its order.
        if (!row.stale)
          return sendProblem(
            reply.header('retry-after', '1'),
            409,
            'In progress',
            'Idempotency-Key: a request with it is in progress',
          );
        await releaseKey(deps, storefront, key);
      }
      // A caller that traces (the `orders` CLI) sends its trace's context (`traceparent` only, never
      // baggage): the workflow's spans join its trace.
      return otel.context.with(traceContextOf(request.headers), () =>
        place(deps, reply, { storefront, placedBy: placer.placedBy, key, requestHash, body: request.body }),
      );
    },
  );

  api.get(
    '/v1/orders',
    {
      schema: {
        summary:
          "This storefront's orders (a customer: their own), newest first, a page at a time (`next` is the following page's cursor)",
        querystring: ListQuery,
      },
    },
    async (request, reply) => {
      const after = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
      if (after === null) return sendProblem(reply, 400, 'Invalid request', 'cursor: not a cursor this API gave');
      const who = principalOf(request);
      if (who.kind === 'storefront') return listOrders(deps.pool, who.storefront, { ...request.query, after });
      if (who.kind === 'customer') return listCustomerOrders(deps.pool, who.customerId, { ...request.query, after });
      return sendProblem(
        reply,
        403,
        'Forbidden',
        'Authorization: a storefront key or a customer lists orders (staff: GET /v1/approvals, /v1/attention, or an order by id)',
      );
    },
  );

  api.get(
    '/v1/orders/:orderId',
    {
      schema: {
        summary: 'An order as its workflow sees it (a storefront: its own; staff: any)',
        params: OrderIdParams,
      },
    },
    async (request, reply) => {
      const { orderId } = request.params;
      const view = await readOrderViewAs(deps, principalOf(request), orderId);
      return view ?? sendProblem(reply, 404, 'Order not found', `orderId: no order ${orderId}`);
    },
  );
}

/**
 * Whether `who` may reach order `orderId` at all: staff any order, a storefront only one it placed
 * (any other is a 404 to it, as if it did not exist).
 */
export async function mayReach(pool: Pool, who: Principal, orderId: string): Promise<boolean> {
  if (who.kind === 'staff') return true;
  if (who.kind === 'customer') {
    // The read model's customer id: an order is listed there from its pricing, its first step.
    const mine = await pool.query('SELECT 1 FROM orders WHERE order_id = $1 AND customer_id = $2', [
      orderId,
      who.customerId,
    ]);
    return mine.rowCount === 1;
  }
  const { rowCount } = await pool.query('SELECT 1 FROM api_orders WHERE order_id = $1 AND storefront = $2', [
    orderId,
    who.storefront,
  ]);
  return rowCount === 1;
}

/**
 * What `who` sees of an order: staff and its storefront the whole view; its customer what concerns
 * them (no approver's name or note, no internal notes, attention or rule versions: each transition
 * keeps its place, so an events stream resumes at the same ids).
 */
export function viewFor<V extends OrderView>(who: Principal, view: V): V {
  if (who.kind !== 'customer') return view;
  const { approval: _approval, needsAttention: _attention, rulesVersion: _rules, plans: _plans, ...shown } = view;
  return { ...shown, history: view.history.map(({ status, at }) => ({ status, at })) } as V;
}

/**
 * The order as `who` may see it (viewFor), or undefined when it may not reach it (mayReach: a 404 to
 * it, as if it did not exist) or Temporal knows no such order.
 */
export async function readOrderViewAs(deps: { pool: Pool; client: Client }, who: Principal, orderId: string) {
  if (!(await mayReach(deps.pool, who, orderId))) return undefined;
  const view = await readOrderView(deps.client, orderId);
  if (!view) return undefined;
  // Its returns run after the order's own run ended: the returns service's table has them.
  const returns = await returnsOfOrder(deps.pool, orderId);
  return { ...viewFor(who, view), returns, returnedCents: returns.reduce((sum, r) => sum + r.refundedCents, 0) };
}

/** The order's view from its workflow (its status query), or undefined when Temporal knows no such order. */
export async function readOrderView(client: Client, orderId: string) {
  return client.workflow
    .getHandle(orderWorkflowId(orderId))
    .query(statusQuery)
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
}

/** Frees an Idempotency-Key whose order was never started, so the next request with it places the order. */
function releaseKey(deps: OrdersApiDeps, storefront: string, key: string) {
  return deps.pool.query('DELETE FROM api_orders WHERE storefront = $1 AND idempotency_key = $2', [storefront, key]);
}

/**
 * Claims the key for this order first (a second request with it waits on the row's lock, then sees
 * it), then places the order; a placement that fails releases the key, and nothing is started.
 */
async function place(
  deps: OrdersApiDeps,
  reply: FastifyReply,
  req: { storefront: string; placedBy: string; key: string; requestHash: Buffer; body: unknown },
): Promise<FastifyReply> {
  const { backorderWithinMs, ...body } = req.body as { backorderWithinMs?: number };
  const order = parseOrderInput(body);
  const claimed = await deps.pool.query(
    `INSERT INTO api_orders (storefront, idempotency_key, request_sha256, order_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [req.storefront, req.key, req.requestHash, order.orderId],
  );
  if (claimed.rowCount !== 1)
    return sendProblem(
      reply,
      409,
      'Order exists',
      `orderId: ${order.orderId} is taken, or the key is in use by a request in progress`,
    );
  try {
    await admitOrder(deps.client, taskQueueFor('orders', deps.taskQueuePrefix), deps.maxInFlight);
    const settings = { ...deps.settings, ...(backorderWithinMs ? { backorderMs: backorderWithinMs } : {}) };
    const placed = await placeOrder(
      deps.client,
      { ...body, orderId: order.orderId },
      { ...deps, settings, placedBy: req.placedBy },
    );
    return reply
      .code(201)
      .header('location', `/v1/orders/${placed.orderId}`)
      .send(await readOrderView(deps.client, placed.orderId));
  } catch (err) {
    await releaseKey(deps, req.storefront, req.key);
    if (err instanceof InvalidRequest) return sendProblem(reply, 400, 'Invalid order', err.message);
    if (err instanceof OrderExists)
      return sendProblem(reply, 409, 'Order exists', `orderId: ${order.orderId} is taken`);
    if (err instanceof OverCapacity)
      return sendProblem(reply.header('retry-after', '5'), 503, 'Too many orders in flight', err.message);
    if (err instanceof PaymentsUnavailable) return sendProblem(reply, 503, 'Payments unavailable', err.message);
    throw err;
  }
}

/** A page's cursor: the last order it showed (its position is that order's own row, to the microsecond). */
const encodeCursor = (orderId: string) => Buffer.from(orderId).toString('base64url');
/** The order a cursor names, or null when it is not one this API gave. */
function decodeCursor(cursor: string): string | null {
  const orderId = Buffer.from(cursor, 'base64url').toString();
  return IdSchema.safeParse(orderId).success && encodeCursor(orderId) === cursor ? orderId : null;
}

/**
 * A page of a storefront's orders with what the read model says of each (an order not yet priced
 * has no row there: Created). Keyset pagination on (placed at, order id): stable under new orders.
 */
async function listOrders(pool: Pool, storefront: string, q: { status?: string; limit: number; after?: string }) {
  const { rows } = await pool.query<{
    order_id: string;
    placed_at: Date;
    status: string;
    total_cents: string | null;
    currency: string | null;
    failure_reason: string | null;
    attention: string | null;
  }>(
    `SELECT a.order_id, a.created_at AS placed_at, COALESCE(o.status, 'Created') AS status, o.total_cents,
            o.currency, o.failure_reason, o.attention
     FROM api_orders a LEFT JOIN orders o ON o.order_id = a.order_id
     WHERE a.storefront = $1 AND ($2::text IS NULL OR COALESCE(o.status, 'Created') = $2)
       AND ($3::text IS NULL OR (a.created_at, a.order_id) <
            (SELECT created_at, order_id FROM api_orders WHERE storefront = $1 AND order_id = $3))
     ORDER BY a.created_at DESC, a.order_id DESC LIMIT $4`,
    [storefront, q.status ?? null, q.after ?? null, q.limit + 1],
  );
  const { page, next } = paged(rows, q.limit, (r) => r.order_id);
  return {
    orders: page.map((r) => ({
      orderId: r.order_id,
      placedAt: r.placed_at.toISOString(),
      status: r.status,
      ...(r.total_cents === null ? {} : { totalCents: Number(r.total_cents), currency: r.currency }),
      ...(r.failure_reason ? { failureReason: r.failure_reason } : {}),
      ...(r.attention ? { needsAttention: r.attention } : {}),
    })),
    ...next,
  };
}

/** A page of `limit` rows out of up to limit + 1 (the one more says a next page exists), and the next page's cursor. */
function paged<T>(rows: T[], limit: number, idOf: (row: T) => string) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next: rows.length > limit && last ? { next: encodeCursor(idOf(last)) } : {} };
}

/** A customer's orders from the read model, newest first (keyset on placed at, order id, as above). */
async function listCustomerOrders(
  pool: Pool,
  customerId: string,
  q: { status?: string; limit: number; after?: string },
) {
  const { page, next } = paged(await customerOrders(pool, customerId, q), q.limit, (o) => o.orderId);
  return { orders: page, ...next };
}

/** A customer's orders (the read model), newest first: one more than `limit` tells there is a next page. */
export async function customerOrders(
  pool: Pool,
  customerId: string,
  q: { status?: string; limit: number; after?: string } = { limit: 50 },
) {
  const { rows } = await pool.query<{
    order_id: string;
    created_at: Date;
    status: string;
    total_cents: string;
    currency: string;
  }>(
    `SELECT order_id, created_at, status, total_cents, currency FROM orders
     WHERE customer_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::text IS NULL OR (created_at, order_id) <
            (SELECT created_at, order_id FROM orders WHERE customer_id = $1 AND order_id = $3))
     ORDER BY created_at DESC, order_id DESC LIMIT $4`,
    [customerId, q.status ?? null, q.after ?? null, q.limit + 1],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    placedAt: r.created_at.toISOString(),
    status: r.status,
    totalCents: Number(r.total_cents),
    currency: r.currency,
  }));
}
