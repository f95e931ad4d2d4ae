/**
 * Returns through the API (issue 29): ask for one (`POST /v1/orders/{orderId}/returns`), read one,
 * and the warehouse's inspection. Who may ask: staff who serve customers, the storefront that placed
 * the order, the order's customer. The request is checked against what the order delivered before
 * anything starts (a 409 names the line and the rule); the return workflow checks again under the
 * order's lock, so two requests at once cannot both take the same units.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  DECISION_ROLES,
  IdSchema,
  RETURN_CONDITIONS,
  RETURN_TERMINAL,
  RMA_ID_PATTERN,
  decisionSays,
  freeTextSchema,
  returnRulesOf,
  returnWorkflowId,
  whyNotReturnable,
  type ReturnRequest,
  type ReturnView,
} from '../domain';
import { currentRuleSet } from '../../activities/orders/store/rules';
import { readReturn, returnableLines } from '../../activities/returns/store/returns';
import { signDecision, type SigningKey } from '../runtime/decision-keys';
import { inspectUpdate, openedUpdate } from '../../workflows/return-api';
import { mayReach } from './orders';
import { principalOf, staffIn, type Principal } from './principal';
import { refused, sendOutcome, sendProblem, type Outcome } from './problem';
import { sendSigned, startOpened } from './after-delivery';

export interface ReturnsApiDeps {
  client: Client;
  pool: Pool;
  signing: SigningKey;
  taskQueuePrefix?: string;
}

/** Staff who may open a return for a customer (the customer and the order's storefront may too). */
const REQUESTERS = ['customer-service', 'operator', 'admin'];

const RmaIdSchema = z.string().regex(RMA_ID_PATTERN, 'must be 1-40 letters, digits, "_" or "-"');
const RequestBody = z.strictObject({
  rmaId: RmaIdSchema.optional(),
  lines: z
    .array(z.strictObject({ sku: z.string().min(1).max(64), quantity: z.number().int().min(1).max(10_000) }))
    .min(1, 'a return needs at least one line')
    .max(100)
    .refine((lines) => new Set(lines.map((l) => l.sku)).size === lines.length, 'one line per SKU, with its quantity'),
  reason: freeTextSchema(500),
});
/** An inspection's verdicts, line by line: the API's body and the console's form both check them here. */
export const InspectLinesSchema = z
  .array(
    z.strictObject({
      sku: z.string().min(1).max(64),
      accepted: z.number().int().min(0).max(10_000),
      condition: z.enum(RETURN_CONDITIONS),
      note: freeTextSchema(500).optional(),
    }),
  )
  .min(1)
  .max(100);
export type InspectLines = z.infer<typeof InspectLinesSchema>;
const InspectBody = z.strictObject({ lines: InspectLinesSchema });

const asker = (who: Principal): string =>
  who.kind === 'staff' ? who.username : who.kind === 'customer' ? who.username : `storefront:${who.storefront}`;

/** A return as `who` sees it: staff all of it; the customer and the storefront not which staff member inspected it. */
export function returnFor(who: Principal, found: ReturnView & { customerId?: string }): ReturnView {
  const { customerId: _customer, inspectedBy, ...shown } = found;
  return who.kind === 'staff' && inspectedBy ? { ...shown, inspectedBy } : shown;
}

/** Whether `who` may see a return of `orderId`: staff, or whoever may reach the order (a customer: their own). */
export async function mayReachReturn(pool: Pool, who: Principal, orderId: string): Promise<boolean> {
  return who.kind === 'staff' || mayReach(pool, who, orderId);
}

export function returnRoutes(app: FastifyInstance, deps: ReturnsApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/v1/orders/:orderId/returns',
    {
      schema: {
        summary:
          'Ask for a return of delivered lines (customer service, operator, admin; the storefront; the customer)',
        params: z.object({ orderId: IdSchema }),
        body: RequestBody,
      },
    },
    async (request, reply) => {
      const who = principalOf(request);
      const { orderId } = request.params;
      if (who.kind === 'staff' && !REQUESTERS.includes(who.role))
        return sendProblem(reply, 403, 'Forbidden', `role: a ${who.role} may not ask for a return`);
      if (!(await mayReach(deps.pool, who, orderId)))
        return sendProblem(reply, 404, 'Order not found', `orderId: no order ${orderId}`);
      const rmaId = request.body.rmaId ?? `rma-${crypto.randomUUID().slice(0, 13)}`;
      const existing = await readReturn(deps.pool, rmaId);
      if (existing && existing.orderId !== orderId)
        return sendProblem(reply, 409, 'Conflict', `rmaId: ${rmaId} is taken; choose another`);
      // The same request again, once that return has ended: its record answers (it never starts anew).
      if (existing && RETURN_TERMINAL.includes(existing.status)) return returnFor(who, existing);
      if (!existing) {
        const why = await whyNotNow(deps, orderId, request.body.lines);
        if (why) return sendProblem(reply, 409, 'Not returnable', why);
      }
      return openReturn(deps, reply, {
        rmaId,
        orderId,
        lines: request.body.lines,
        reason: request.body.reason,
        requestedBy: asker(who),
      });
    },
  );
  api.get(
    '/v1/returns/:rmaId',
    { schema: { summary: 'A return: its lines, status, label and refund', params: z.object({ rmaId: RmaIdSchema }) } },
    async (request, reply) => {
      const found = await readReturn(deps.pool, request.params.rmaId);
      if (!found || !(await mayReachReturn(deps.pool, principalOf(request), found.orderId)))
        return sendProblem(reply, 404, 'Return not found', `rmaId: no return ${request.params.rmaId}`);
      return returnFor(principalOf(request), found);
    },
  );
  api.post(
    '/v1/returns/:rmaId/inspect',
    {
      schema: {
        summary: "The warehouse's verdict on a received return, per line (warehouse, admin)",
        params: z.object({ rmaId: RmaIdSchema }),
        body: InspectBody,
      },
    },
    async (request, reply) =>
      sendOutcome(reply, await inspectReturn(deps, principalOf(request), request.params.rmaId, request.body.lines)),
  );
}

/** The return the rules would refuse now, and why (the workflow's own check has the last word). */
async function whyNotNow(
  deps: ReturnsApiDeps,
  orderId: string,
  lines: Array<{ sku: string; quantity: number }>,
): Promise<string | undefined> {
  const rules = await currentRuleSet(deps.pool, deps.taskQueuePrefix ?? '', 0);
  return whyNotReturnable(lines, await returnableLines(deps.pool, orderId), returnRulesOf(rules.rules), Date.now());
}

/** Starts `return-<rmaId>` (or finds it: the same rmaId again answers the same return) and answers once it is opened. */
async function openReturn(deps: ReturnsApiDeps, reply: FastifyReply, request: ReturnRequest) {
  const outcome = await startOpened(deps, {
    workflowType: 'returnWorkflow',
    workflowId: returnWorkflowId(request.rmaId),
    arg: request,
    opened: openedUpdate,
    what: `return ${request.rmaId}`,
    follow: `GET /v1/returns/${request.rmaId}`,
    refusedTitle: 'Not returnable',
  });
  if (!outcome.ok) return sendOutcome(reply, outcome);
  return reply.code(201).header('location', `/v1/returns/${request.rmaId}`).send(outcome.view);
}

/**
 * The inspection by `who`, signed for the workflow; its refusal is a 409 with the reason. The API's
 * route and the console's form both come here, so the rules are the same whichever way it is made.
 */
export async function inspectReturn(
  deps: ReturnsApiDeps,
  who: Principal,
  rmaId: string,
  lines: InspectLines,
): Promise<Outcome<ReturnView>> {
  if (!staffIn(who, DECISION_ROLES.inspect))
    return refused(403, 'Forbidden', 'role: only the warehouse or an admin inspects returns');
  const found = await readReturn(deps.pool, rmaId);
  if (!found) return refused(404, 'Return not found', `rmaId: no return ${rmaId}`);
  const { username: by, role } = who as Extract<Principal, { kind: 'staff' }>;
  const proof = signDecision(deps.signing, {
    orderId: rmaId,
    decision: 'inspect',
    by,
    role,
    says: decisionSays('inspect', { lines }),
  });
  return sendSigned(deps.client, {
    workflowId: returnWorkflowId(rmaId),
    update: inspectUpdate,
    arg: { lines, proof, identity: 'orders-api' },
    what: `return ${rmaId}`,
    follow: `GET /v1/returns/${rmaId}`,
    closed: `return ${rmaId} is ${found.status}: it takes no inspection`,
  });
}
