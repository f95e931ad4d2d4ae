/**
 * What people must look at, and the operator's recovery: `GET /v1/attention` lists the orders the
 * read model flags (a compensation that cannot finish, a parcel not heard of, a run recovered with
 * a remainder); `POST /v1/orders/{id}/recover` settles an order whose run stopped without settling
 * it (src/placement/recover-order.ts), as `orders recover` does.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { IdSchema, type OrderRecoveryResult, type StaffRole } from '../domain';
import { NotRecoverable, recoverOrder } from '../placement/recover-order';
import { principalOf, staffIn } from './principal';
import { sendProblem } from './problem';

export const SEES_ATTENTION: readonly StaffRole[] = ['customer-service', 'operator', 'admin'];
export const RECOVERS: readonly StaffRole[] = ['operator', 'admin'];

/** Orders the read model flags for people, longest waiting first. */
export async function ordersNeedingAttention(pool: Pool) {
  const { rows } = await pool.query<{ order_id: string; status: string; attention: string; since: Date }>(
    `SELECT order_id, status, attention, updated_at AS since FROM orders
     WHERE attention IS NOT NULL ORDER BY updated_at, order_id LIMIT 500`,
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    status: r.status,
    reason: r.attention,
    since: r.since.toISOString(),
  }));
}

/** A recovery's outcome, or why not, in HTTP's terms. */
export async function recoverFor(
  deps: { client: Client; taskQueuePrefix?: string },
  orderId: string,
): Promise<{ ok: true; result: OrderRecoveryResult } | { ok: false; status: 404 | 409; detail: string }> {
  try {
    return { ok: true, result: await recoverOrder(deps.client, { orderId, taskQueuePrefix: deps.taskQueuePrefix }) };
  } catch (err) {
    if (!(err instanceof NotRecoverable)) throw err;
    return err.reason === 'unknown'
      ? { ok: false, status: 404, detail: `orderId: no order ${orderId}` }
      : { ok: false, status: 409, detail: err.message };
  }
}

export function attentionRoutes(app: FastifyInstance, deps: { client: Client; pool: Pool; taskQueuePrefix?: string }) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/v1/attention',
    { schema: { summary: 'Orders people must look at, and why (staff)' } },
    async (request, reply) => {
      if (!staffIn(principalOf(request), SEES_ATTENTION))
        return sendProblem(reply, 403, 'Forbidden', 'role: customer service, operators and admins see these');
      return { orders: await ordersNeedingAttention(deps.pool) };
    },
  );
  api.post(
    '/v1/orders/:orderId/recover',
    {
      schema: {
        summary: 'Settle an order whose run stopped without settling it (operator, admin)',
        params: z.object({ orderId: IdSchema }),
      },
    },
    async (request, reply) => {
      if (!staffIn(principalOf(request), RECOVERS))
        return sendProblem(reply, 403, 'Forbidden', 'role: only an operator or an admin recovers an order');
      const outcome = await recoverFor(deps, request.params.orderId);
      return outcome.ok
        ? outcome.result
        : sendProblem(reply, outcome.status, outcome.status === 404 ? 'Order not found' : 'Refused', outcome.detail);
    },
  );
}
