/**
 * Decisions through the API: approve, reject and cancel an order, and the approvers' queue. The
 * caller is who its credentials say (a staff session, or a storefront's key for its own orders'
 * cancellations); the API signs {orderId, decision, by, role} for the workflow, which checks the
 * signature and the claims and has the last word (its refusal is a 409 with its reason).
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, isGrpcDeadlineError, type Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  DECISION_ROLES,
  decisionSays,
  IdSchema,
  freeTextSchema,
  orderWorkflowId,
  type Decision,
  type OrderView,
  type Role,
} from '../domain';
import { signDecision, type SigningKey } from '../runtime/decision-keys';
import { approveUpdate, cancelLinesUpdate, cancelUpdate, rejectUpdate } from '../../workflows/order-api';
import { mayReach, readOrderView, viewFor } from './orders';
import { waitingGoodwill } from '../../activities/returns/store/goodwill';
import { principalOf, staffIn, type Principal } from './principal';
import { sendProblem } from './problem';

export interface DecisionsApiDeps {
  client: Client;
  pool: Pool;
  /** The decision signing key (DECISION_SIGNING_KEY…): only the API holds it. */
  signing: SigningKey;
}

const OrderIdParams = z.object({ orderId: IdSchema });
const ApproveBody = z.object({ note: freeTextSchema(500).optional() });
const ReasonBody = z.object({ reason: freeTextSchema(500) });
const CancelBody = ReasonBody.extend({
  /** Staff relaying the customer's wish (recorded as cancelled-by-customer); a storefront's always is. */
  onBehalfOfCustomer: z.boolean().optional(),
});
/** An approve or reject is answered at once; a cancel once the order is undone. */
const ANSWER_WITHIN_MS: Record<OrderDecision, number> = {
  approve: 30_000,
  reject: 30_000,
  cancel: 120_000,
  'cancel-lines': 60_000,
};
/** What a person decides on a running order: its approval, its cancellation, or taking lines out. */
type OrderDecision = Decision | 'cancel-lines';
const CancelLinesBody = ReasonBody.extend({
  skus: z.array(z.string().min(1).max(64)).min(1, 'name at least one line').max(100),
});

/** Who signs as whom: a staff user or a customer by name and role; a storefront by `storefront:<name>`. */
const signer = (p: Principal): { by: string; role: Role } =>
  p.kind === 'staff'
    ? { by: p.username, role: p.role }
    : p.kind === 'customer'
      ? { by: p.username, role: 'customer' }
      : { by: `storefront:${p.storefront}`, role: 'storefront' };

export function decisionRoutes(app: FastifyInstance, deps: DecisionsApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const params = OrderIdParams;
  api.post(
    '/v1/orders/:orderId/approve',
    { schema: { summary: 'Approve an order waiting for approval (approver, admin)', params, body: ApproveBody } },
    (request, reply) => decide(deps, request, reply, 'approve', { note: request.body.note }),
  );
  api.post(
    '/v1/orders/:orderId/reject',
    { schema: { summary: 'Reject an order waiting for approval (approver, admin)', params, body: ReasonBody } },
    (request, reply) => decide(deps, request, reply, 'reject', { reason: request.body.reason }),
  );
  api.post(
    '/v1/orders/:orderId/cancel',
    {
      schema: {
        summary:
          'Cancel an order before its first parcel leaves (customer service, operator, admin; a storefront: its own orders, for the customer)',
        params,
        body: CancelBody,
      },
    },
    (request, reply) =>
      decide(deps, request, reply, 'cancel', {
        reason: request.body.reason,
        ...(request.body.onBehalfOfCustomer ? { onBehalfOf: 'customer' as const } : {}),
      }),
  );
  api.post(
    '/v1/orders/:orderId/cancel-lines',
    {
      schema: {
        summary:
          'Take lines out of an order before its payment is captured (who may cancel it); the rest goes on, only its total is captured',
        params,
        body: CancelLinesBody,
      },
    },
    (request, reply) =>
      decide(deps, request, reply, 'cancel-lines', { reason: request.body.reason, skus: request.body.skus }),
  );
  api.get(
    '/v1/approvals',
    { schema: { summary: 'Orders waiting for an approver, oldest first (approver, admin)' } },
    async (request, reply) => {
      const who = principalOf(request);
      if (!staffIn(who, DECISION_ROLES.approve))
        return sendProblem(reply, 403, 'Forbidden', 'role: only an approver or an admin sees the approvals');
      // Goodwill refunds waiting for an approver are approvals too (src/api/refunds.ts).
      return { approvals: await waitingApprovals(deps.pool), refunds: await waitingGoodwill(deps.pool) };
    },
  );
}

/** What a decision came to: the order's view, or why not (an HTTP status, a title, a detail naming the cause). */
export type DecisionOutcome =
  { ok: true; view: OrderView } | { ok: false; status: 403 | 404 | 409 | 503; title: string; detail: string };

/**
 * One decision by `who` on `orderId`, signed for the workflow: the API's routes and the console's
 * forms both come here, so the rules are the same whichever way a person decides.
 */
export async function makeDecision(
  deps: DecisionsApiDeps,
  who: Principal,
  orderId: string,
  decision: OrderDecision,
  asked: { note?: string; reason?: string; onBehalfOf?: 'customer'; skus?: string[] },
): Promise<DecisionOutcome> {
  const { by, role } = signer(who);
  if (!DECISION_ROLES[decision].includes(role))
    return { ok: false, status: 403, title: 'Forbidden', detail: `role: a ${role} may not ${decision} an order` };
  if (!(await mayReach(deps.pool, who, orderId)))
    return { ok: false, status: 404, title: 'Order not found', detail: `orderId: no order ${orderId}` };
  // A customer's own cancellation is theirs, whatever the request said.
  const text = who.kind === 'customer' ? { ...asked, onBehalfOf: 'customer' as const } : asked;
  const proof = signDecision(deps.signing, { orderId, decision, by, role, says: decisionSays(decision, text) });
  const handle = deps.client.workflow.getHandle(orderWorkflowId(orderId));
  const input = { by, proof, identity: 'orders-api', ...text };
  try {
    const view: OrderView = await deps.client.withDeadline(Date.now() + ANSWER_WITHIN_MS[decision], () =>
      decision === 'approve'
        ? handle.executeUpdate(approveUpdate, { args: [input] })
        : decision === 'reject'
          ? handle.executeUpdate(rejectUpdate, { args: [{ ...input, reason: text.reason! }] })
          : decision === 'cancel-lines'
            ? handle.executeUpdate(cancelLinesUpdate, {
                args: [{ proof, identity: 'orders-api', reason: text.reason!, skus: text.skus! }],
              })
            : handle.executeUpdate(cancelUpdate, { args: [{ ...input, reason: text.reason! }] }),
    );
    return { ok: true, view: viewFor(who, view) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return whyClosed(deps, orderId, decision);
    if (isGrpcDeadlineError(err) && !(err instanceof WorkflowUpdateFailedError))
      return {
        ok: false,
        status: 503,
        title: 'No answer yet',
        detail: `order ${orderId}: no answer to the ${decision} within ${ANSWER_WITHIN_MS[decision] / 1000} s; it may still act on it (follow GET /v1/orders/${orderId}); is a worker running?`,
      };
    if (err instanceof WorkflowUpdateFailedError)
      return {
        ok: false,
        status: 409,
        title: 'Refused',
        detail: (err.cause as Error | undefined)?.message ?? err.message,
      };
    throw err;
  }
}

async function decide(
  deps: DecisionsApiDeps,
  request: FastifyRequest<{ Params: { orderId: string } }>,
  reply: FastifyReply,
  decision: OrderDecision,
  text: { note?: string; reason?: string; onBehalfOf?: 'customer'; skus?: string[] },
): Promise<FastifyReply> {
  const outcome = await makeDecision(deps, principalOf(request), request.params.orderId, decision, text);
  return outcome.ok
    ? reply.code(200).send(outcome.view)
    : sendProblem(reply, outcome.status, outcome.title, outcome.detail);
}

/** The decision met a run that has ended, or none: say which, as the workflow would have. */
async function whyClosed(deps: DecisionsApiDeps, orderId: string, decision: OrderDecision): Promise<DecisionOutcome> {
  const view = await readOrderView(deps.client, orderId).catch(() => undefined);
  if (!view) return { ok: false, status: 404, title: 'Order not found', detail: `orderId: no order ${orderId}` };
  const detail =
    decision === 'cancel'
      ? `order ${orderId} is ${view.status}: it can no longer be cancelled (only before the first parcel is picked up)`
      : decision === 'cancel-lines'
        ? `order ${orderId} is ${view.status}: its lines can no longer be taken out (only before its payment is captured)`
        : `order ${orderId} is ${view.status}, not AwaitingApproval`;
  return { ok: false, status: 409, title: 'Refused', detail };
}

/** Orders waiting for an approver, oldest first (the read model): what asked, and by when. */
export async function waitingApprovals(pool: Pool) {
  const { rows } = await pool.query<{
    order_id: string;
    total_cents: string;
    currency: string;
    since: Date;
    approval_rule: string | null;
    approval_due_at: Date | null;
  }>(
    `SELECT order_id, total_cents, currency, updated_at AS since, approval_rule, approval_due_at FROM orders
     WHERE status = 'AwaitingApproval' ORDER BY updated_at, order_id LIMIT 500`,
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    totalCents: Number(r.total_cents),
    currency: r.currency,
    waitingSince: r.since.toISOString(),
    ...(r.approval_rule ? { rule: r.approval_rule } : {}),
    ...(r.approval_due_at ? { dueAt: r.approval_due_at.toISOString() } : {}),
  }));
}
