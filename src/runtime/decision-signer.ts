/**
 * A Temporal client that signs the decisions it sends: every `approve`, `reject` and `cancel`
 * Update or Signal to an order leaves with a signed decision (src/domain/decisions.ts) naming the
 * caller's `by`. Only a process that holds a decision signing key can use it: the chaos and bench
 * drivers (a key of their own run's), the tests. People decide through the Orders API, which signs
 * for the user its credentials proved (src/api/decisions.ts); the `orders` CLI goes there too.
 */
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { DECISIONS, decisionSays, orderIdOfWorkflow, orderWorkflowId, type Decision, type Role } from '../domain';
import { signDecision, type SigningKey } from './decision-keys';

type DecisionArgs = { by?: unknown; onBehalfOf?: unknown; proof?: unknown };

/** The role a key holder decides in: an approver approves and rejects, an operator (or customer service) cancels. */
function roleFor(decision: Decision, args: DecisionArgs): Role {
  if (decision !== 'cancel') return 'approver';
  return args.onBehalfOf === 'customer' ? 'customer-service' : 'operator';
}

function signed(name: string, workflowId: string, args: unknown[], key: () => SigningKey): unknown[] {
  const decision = DECISIONS.find((d) => d === name);
  const orderId = orderIdOfWorkflow(workflowId);
  const first = args[0] as DecisionArgs | undefined;
  if (
    !decision ||
    orderWorkflowId(orderId) !== workflowId ||
    typeof first !== 'object' ||
    first === null ||
    first.proof !== undefined
  )
    return args;
  const by = typeof first.by === 'string' && first.by.trim() ? first.by.trim() : 'operator';
  const says = decisionSays(decision, first as Parameters<typeof decisionSays>[1]);
  const proof = signDecision(key(), { orderId, decision, by, role: roleFor(decision, first), says });
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
