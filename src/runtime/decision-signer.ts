/**
 * A Temporal client that signs the decisions it sends: every `approve`, `reject`, `cancel` and
 * `cancel-lines` Update or Signal to an order (and `inspect` to a return) leaves with a signed
 * decision (src/domain/decisions.ts) naming the caller's `by`. Only a process that holds a decision signing key can use it: the chaos and bench
 * drivers (a key of their own run's), the tests. People decide through the Orders API, which signs
 * for the user its credentials proved (src/api/decisions.ts); the `orders` CLI goes there too.
 */
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  CANCEL_LINES,
  DECISIONS,
  decisionSays,
  orderIdOfWorkflow,
  orderWorkflowId,
  returnWorkflowId,
  type AnyDecision,
  type Role,
} from '../domain';
import { signDecision, type SigningKey } from './decision-keys';

type DecisionArgs = { by?: unknown; onBehalfOf?: unknown; proof?: unknown };

/** The role a key holder decides in: an approver approves and rejects, an operator (or customer service) cancels. */
function roleFor(decision: AnyDecision, args: DecisionArgs): Role {
  if (decision === 'inspect') return 'warehouse';
  if (decision !== 'cancel' && decision !== 'cancel-lines') return 'approver';
  return args.onBehalfOf === 'customer' ? 'customer-service' : 'operator';
}

/** What a message to `workflowId` decides, and on what: an order's decision or its lines, a return's inspection. */
function decisionOf(name: string, workflowId: string): { decision: AnyDecision; subject: string } | undefined {
  if (workflowId.startsWith(returnWorkflowId(''))) {
    return name === 'inspect'
      ? { decision: 'inspect', subject: workflowId.slice(returnWorkflowId('').length) }
      : undefined;
  }
  const orderId = orderIdOfWorkflow(workflowId);
  if (orderWorkflowId(orderId) !== workflowId) return undefined;
  const decision = [...DECISIONS, CANCEL_LINES].find((d) => d === name);
  return decision && { decision, subject: orderId };
}

function signed(name: string, workflowId: string, args: unknown[], key: () => SigningKey): unknown[] {
  const target = decisionOf(name, workflowId);
  const first = args[0] as DecisionArgs | undefined;
  if (!target || typeof first !== 'object' || first === null || first.proof !== undefined) return args;
  const by = typeof first.by === 'string' && first.by.trim() ? first.by.trim() : 'operator';
  const says = decisionSays(target.decision, first as Parameters<typeof decisionSays>[1]);
  const proof = signDecision(key(), {
    orderId: target.subject,
    decision: target.decision,
    by,
    role: roleFor(target.decision, first),
    says,
  });
  return [{ ...first, proof }, ...args.slice(1)];
}

/** `key` is called at the first decision (a client that only reads needs no key). */
export function decisionSigningInterceptor(key: () => SigningKey): WorkflowClientInterceptor {
  return {
    startUpdate: (input, next) =>
      next({ ...input, args: signed(input.updateName, input.workflowExecution.workflowId, input.args, key) }),
    signal: (input, next) =>
      next({ ...input, args: signed(input.signalName, input.workflowExecution.workflowId, input.args, key) }),
  };
}
