/**
 * `orders recover <orderId>`: settles an order whose run stopped without settling it (terminated,
 * timed out, failed), by hand, as the stranded-run watch does by itself (src/placement/recover-order.ts),
 * and prints what it did. Refused (exit 2) while the order still runs.
 */
import { NotRecoverable, recoverOrder } from '../placement/recover-order';
import { checkOrderId, withContext } from './context';
import { invalid } from './errors';
import { EXIT, printJson } from './output';

export async function recover(orderId: string, opts: { json?: boolean }): Promise<number> {
  checkOrderId(orderId);
  return withContext(async (ctx) => {
    const result = await recoverOrder(ctx.client, { orderId, taskQueuePrefix: ctx.config.TASK_QUEUE_PREFIX }).catch(
      (err: unknown) => {
        throw err instanceof NotRecoverable ? invalid(err.message) : err;
      },
    );
    if (opts.json) printJson(result);
    else console.log(`Recovered order ${orderId}: ${result.outcome}, now ${result.status}. ${result.note}`);
    return EXIT.OK;
  });
}
