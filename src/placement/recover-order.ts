/**
 * Settling an order whose run stopped without settling it (terminated, timed out, failed), on an
 * operator's request: its recovery workflow (workflows/recovery.ts), as the stranded-run watch
 * starts it by itself. The `orders recover` command, the Orders API and the console all come here.
 */
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { orderWorkflowId, recoveryWorkflowId, taskQueueFor, type OrderRecoveryResult } from '../domain';
import type { orderRecoveryWorkflow } from '../../workflows/recovery';

/** Refused: the order's run is still going (it settles itself), or there is no such order. */
export class NotRecoverable extends Error {
  constructor(
    readonly reason: 'running' | 'unknown',
    message: string,
  ) {
    super(message);
  }
}

export async function recoverOrder(
  client: Client,
  opts: { orderId: string; taskQueuePrefix?: string },
): Promise<OrderRecoveryResult> {
  const { orderId } = opts;
  const run = await client.workflow
    .getHandle(orderWorkflowId(orderId))
    .describe()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new NotRecoverable('unknown', `order ${orderId} not found`);
      throw err;
    });
  if (run.status.name === 'RUNNING')
    throw new NotRecoverable('running', `refused: order ${orderId} still runs; it settles itself`);
  try {
    return await client.workflow.execute<typeof orderRecoveryWorkflow>('orderRecoveryWorkflow', {
      workflowId: recoveryWorkflowId(orderId),
      taskQueue: taskQueueFor('orders', opts.taskQueuePrefix),
      args: [{ orderId, closedAs: run.status.name }],
      // An operator's explicit request runs again after an earlier recovery, but never beside one.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause?.message.includes('still runs'))
      throw new NotRecoverable('running', `refused: ${err.cause.message}`);
    throw err;
  }
}
