/**
 * `orders recover <orderId>`: settles an order whose run stopped without settling it (terminated,
 * timed out, failed), by hand, as the stranded-run watch does by itself: runs its recovery
 * (workflows/recovery.ts) and prints what it did. Refused (exit 2) while the order still runs.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { recoveryWorkflowId, taskQueueFor, type OrderRecoveryResult } from '../domain';
import type { orderRecoveryWorkflow } from '../../workflows/recovery';
import { checkOrderId, describeOrder, withContext } from './context';
import { invalid } from './errors';
import { EXIT, printJson } from './output';

export async function recover(orderId: string, opts: { json?: boolean }): Promise<number> {
  checkOrderId(orderId);
  return withContext(async (ctx) => {
    const run = await describeOrder(ctx.client, orderId); // "order X not found" when it never ran
    if (run.status.name === 'RUNNING') throw invalid(`refused: order ${orderId} still runs; it settles itself`);
    let result: OrderRecoveryResult;
    try {
      result = await ctx.client.workflow.execute<typeof orderRecoveryWorkflow>('orderRecoveryWorkflow', {
        workflowId: recoveryWorkflowId(orderId),
        taskQueue: taskQueueFor('orders', ctx.config.TASK_QUEUE_PREFIX),
        args: [{ orderId, closedAs: run.status.name }],
        // An operator's explicit request runs again after an earlier recovery, but never beside one.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause?.message.includes('still runs'))
        throw invalid(`refused: ${err.cause.message}`);
      throw err;
    }
    if (opts.json) printJson(result);
    else console.log(`Recovered order ${orderId}: ${result.outcome}, now ${result.status}. ${result.note}`);
    return EXIT.OK;
  });
}
