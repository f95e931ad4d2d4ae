/**
 * Refunds without a return (issue 29): customer service, operators and admins give back an amount
 * or part of a line's price of an order (goodwill, damaged in transit); at or above the rule set's
 * threshold an approver of the amount's band decides, signed like every decision. The request is
 * checked against what is left before anything starts; the workflow checks again under the order's lock.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  DECISION_ROLES,
  IdSchema,
  RMA_ID_PATTERN,
  freeTextSchema,
  goodwillSays,
  goodwillWorkflowId,
  whyNotGoodwill,
  type GoodwillRequest,
  type RefundDecision,
  type GoodwillView,
} from '../domain';
import { readGoodwill, refundRoom } from '../../activities/returns/store/goodwill';
import { signDecision, type SigningKey } from '../runtime/decision-keys';
import { approveRefundUpdate, goodwillOpenedUpdate, rejectRefundUpdate } from '../../workflows/goodwill-api';
import { principalOf, staffIn, type Principal } from './principal';
import { refused, sendOutcome, sendProblem, type Outcome } from './problem';
import { sendSigned, startOpened } from './after-delivery';

export interface RefundsApiDeps {
  client: Client;
  pool: Pool;
  signing: SigningKey;
  taskQueuePrefix?: string;
}

const REQUESTERS = ['customer-service', 'operator', 'admin'];
const RefundIdSchema = z.string().regex(RMA_ID_PATTERN, 'must be 1-40 letters, digits, "_" or "-"');
const RequestBody = z.strictObject({
  refundId: RefundIdSchema.optional(),
  amountCents: z.number().int('must be whole minor units').min(1, 'must be at least 1'),
  sku: z.string().min(1).max(64).optional(),
  reason: freeTextSchema(500),
});
const RefundParams = z.object({ refundId: RefundIdSchema });

export function refundRoutes(app: FastifyInstance, deps: RefundsApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/v1/orders/:orderId/refunds',
    {
      schema: {
        summary: 'Refund without a return: an amount, or part of a line (customer service, operator, admin)',
        params: z.object({ orderId: IdSchema }),
        body: RequestBody,
      },
    },
    async (request, reply) => {
      const who = principalOf(request);
      if (!staffIn(who, REQUESTERS))
        return sendProblem(reply, 403, 'Forbidden', 'role: only customer service, an operator or an admin refunds');
      const { orderId } = request.params;
      const refundId = request.body.refundId ?? `gw-${crypto.randomUUID().slice(0, 13)}`;
      const existing = await readGoodwill(deps.pool, refundId);
      if (existing && existing.orderId !== orderId)
        return sendProblem(reply, 409, 'Conflict', `refundId: ${refundId} is taken; choose another`);
      // The same request again, once that refund has ended: its record answers (it never starts anew).
      if (existing && existing.status !== 'Requested' && existing.status !== 'AwaitingApproval') return existing;
      if (!existing) {
        const why = whyNotGoodwill(request.body, await refundRoom(deps.pool, orderId, request.body.sku));
        if (why) return sendProblem(reply, 409, 'Not refundable', why);
      }
      const { username } = who as Extract<Principal, { kind: 'staff' }>;
      const { amountCents, sku, reason } = request.body;
      return open(deps, reply, {
        refundId,
        orderId,
        amountCents,
        ...(sku ? { sku } : {}),
        reason,
        requestedBy: username,
      });
    },
  );
  api.get(
    '/v1/refunds/:refundId',
    { schema: { summary: 'A refund without a return: its amount, status and approval (staff)', params: RefundParams } },
    async (request, reply) => {
      const found =
        principalOf(request).kind === 'staff' ? await readGoodwill(deps.pool, request.params.refundId) : undefined;
      return found ?? sendProblem(reply, 404, 'Refund not found', `refundId: no refund ${request.params.refundId}`);
    },
  );
  api.post(
    '/v1/refunds/:refundId/approve',
    {
      schema: {
        summary: 'Approve a refund waiting for approval (approver, admin)',
        params: RefundParams,
        body: z.strictObject({ note: freeTextSchema(500).optional() }),
      },
    },
    async (request, reply) =>
      sendOutcome(
        reply,
        await decideRefund(deps, principalOf(request), request.params.refundId, 'approve-refund', {
          note: request.body.note,
        }),
      ),
  );
  api.post(
    '/v1/refunds/:refundId/reject',
    {
      schema: {
        summary: 'Reject a refund waiting for approval (approver, admin)',
        params: RefundParams,
        body: z.strictObject({ reason: freeTextSchema(500) }),
      },
    },
    async (request, reply) =>
      sendOutcome(
        reply,
        await decideRefund(deps, principalOf(request), request.params.refundId, 'reject-refund', {
          reason: request.body.reason,
        }),
      ),
  );
}

/** Starts `refund-<refundId>` (or finds it) and answers once it is refunded or waits for an approver. */
async function open(deps: RefundsApiDeps, reply: FastifyReply, request: GoodwillRequest) {
  const outcome = await startOpened(deps, {
    workflowType: 'goodwillRefundWorkflow',
    workflowId: goodwillWorkflowId(request.refundId),
    arg: request,
    opened: goodwillOpenedUpdate,
    what: `refund ${request.refundId}`,
    follow: `GET /v1/refunds/${request.refundId}`,
    refusedTitle: 'Not refundable',
  });
  if (!outcome.ok) return sendOutcome(reply, outcome);
  return reply.code(201).header('location', `/v1/refunds/${request.refundId}`).send(outcome.view);
}

/**
 * An approver's decision on a waiting refund, signed for the workflow (bound to the refund's amount);
 * the workflow has the last word (one who asked may not decide). The API's routes and the console's
 * forms both come here.
 */
export async function decideRefund(
  deps: RefundsApiDeps,
  who: Principal,
  refundId: string,
  decision: RefundDecision,
  text: { note?: string; reason?: string },
): Promise<Outcome<GoodwillView>> {
  if (!staffIn(who, DECISION_ROLES[decision]))
    return refused(403, 'Forbidden', 'role: only an approver or an admin decides a refund');
  const refund = await readGoodwill(deps.pool, refundId);
  if (!refund) return refused(404, 'Refund not found', `refundId: no refund ${refundId}`);
  const { username: by, role } = who as Extract<Principal, { kind: 'staff' }>;
  const says = goodwillSays({ amountCents: refund.amountCents, currency: refund.currency ?? '' }, decision, text);
  const proof = signDecision(deps.signing, { orderId: refundId, decision, by, role, says });
  const update = decision === 'approve-refund' ? approveRefundUpdate : rejectRefundUpdate;
  return sendSigned(deps.client, {
    workflowId: goodwillWorkflowId(refundId),
    update,
    arg: { ...text, proof, identity: 'orders-api' },
    what: `refund ${refundId}`,
    follow: `GET /v1/refunds/${refundId}`,
    closed: `refund ${refundId} is ${refund.status}: it takes no decision`,
  });
}
