/**
 * What the returns and refunds APIs share: starting a workflow that answers once it is opened (an
 * Update with start: the same id again answers the same one), and a signed Update whose refusal,
 * missing run or silence becomes the caller's 409 or 503.
 */
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcDeadlineError,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { taskQueueFor } from '../domain';
import { refused, type Outcome } from './problem';

const OPEN_WITHIN_MS = 30_000;
const SETTLE_WITHIN_MS = 120_000;

/**
 * Starts `workflowType` as `workflowId` (or finds it) and waits for its `opened` answer. `what`
 * names it in messages ("return rma-1"); `refusedTitle` is the 409's title when it opened refused.
 */
export async function startOpened<V extends { status: string; note?: string }>(
  deps: { client: Client; taskQueuePrefix?: string },
  o: {
    workflowType: string;
    workflowId: string;
    arg: object;
    opened: UpdateDefinition<V, []>;
    what: string;
    follow: string;
    refusedTitle: string;
  },
): Promise<Outcome<V>> {
  const start = new WithStartWorkflowOperation(o.workflowType, {
    workflowId: o.workflowId,
    taskQueue: taskQueueFor('orders', deps.taskQueuePrefix),
    args: [o.arg],
    // A running one answers again; a closed one is never started anew (its row answers: see the routes).
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  try {
    const view = await deps.client.withDeadline(Date.now() + OPEN_WITHIN_MS, () =>
      deps.client.workflow.executeUpdateWithStart(o.opened, { startWorkflowOperation: start }),
    );
    return view.status === 'Refused' ? refused(409, o.refusedTitle, view.note ?? 'refused') : { ok: true, view };
  } catch (err) {
    if (isGrpcDeadlineError(err))
      return refused(
        503,
        'No answer yet',
        `${o.what}: not opened within ${OPEN_WITHIN_MS / 1000} s; follow ${o.follow}; is a worker running?`,
      );
    throw err;
  }
}

/** A signed Update to a return's or refund's workflow; `closed` says why when its run has ended. */
export async function sendSigned<V>(
  client: Client,
  o: {
    workflowId: string;
    update: UpdateDefinition<V, [object]>;
    arg: object;
    what: string;
    follow: string;
    closed: string;
  },
): Promise<Outcome<V>> {
  try {
    const view = await client.withDeadline(Date.now() + SETTLE_WITHIN_MS, () =>
      client.workflow.getHandle(o.workflowId).executeUpdate(o.update, { args: [o.arg] }),
    );
    return { ok: true, view };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return refused(409, 'Refused', o.closed);
    if (err instanceof WorkflowUpdateFailedError)
      return refused(409, 'Refused', (err.cause as Error | undefined)?.message ?? err.message);
    if (isGrpcDeadlineError(err))
      return refused(
        503,
        'No answer yet',
        `${o.what}: not settled within ${SETTLE_WITHIN_MS / 1000} s; follow ${o.follow}`,
      );
    throw err;
  }
}
