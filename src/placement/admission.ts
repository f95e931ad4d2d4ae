/**
 * Admission control: before an order is placed, how many orders of this deployment are running.
 * Above MAX_ORDERS_IN_FLIGHT the placement is refused, so a surge waits at the door instead of
 * piling work on workers and providers that are already behind. One visibility count (eventually
 * consistent, so a burst may overshoot the limit by a little: it is a brake, not a lock).
 */
import type { Client } from '@temporalio/client';

/** Too many orders running: nothing was started (exit 4 on the CLI; try again later). */
export class OverCapacity extends Error {
  constructor(
    readonly running: number,
    readonly limit: number,
  ) {
    super(
      `refused: ${running} orders are in flight, the limit is ${limit} (MAX_ORDERS_IN_FLIGHT); nothing was started. ` +
        'Try again when some have finished.',
    );
  }
}

/** Orders of this deployment's queue that are running now. */
export async function ordersInFlight(client: Client, ordersQueue: string): Promise<number> {
  if (!/^[\w.-]+$/.test(ordersQueue)) throw new Error(`refusing to put ${JSON.stringify(ordersQueue)} in a query`);
  const { count } = await client.workflow.count(
    `WorkflowType = 'orderWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${ordersQueue}'`,
  );
  return count;
}

/** Throws OverCapacity when `limit` orders or more are running (limit 0: no limit). */
export async function admitOrder(client: Client, ordersQueue: string, limit: number): Promise<void> {
  if (limit <= 0) return;
  const running = await ordersInFlight(client, ordersQueue);
  if (running >= limit) throw new OverCapacity(running, limit);
}
