/**
 * Back-orders (orders service): an order short of stock joins each short SKU's waitlist, and
 * leaves them once it has its stock, expires or is cancelled. The waitlists are workflows, so these
 * activities only send signals; both are idempotent by order id (a repeat join keeps its place).
 */
import { Context } from '@temporalio/activity';
import type { BackorderActivities } from '../../src/domain';
import type { Waitlists } from '../../src/runtime/waitlists';

export function createBackorderActivities(waitlists: Waitlists): BackorderActivities {
  return {
    async joinWaitlists({ orderId, orderWorkflowId, shortages }) {
      // The first attempt's time, so a retried join asks for the same place in the queue.
      const joinedAt = new Date(Context.current().info.scheduledTimestampMs).toISOString();
      for (const { sku, needed } of shortages)
        await waitlists.join(sku, { orderId, orderWorkflowId, quantity: needed, joinedAt });
    },
    async leaveWaitlists({ orderId, skus }) {
      for (const sku of skus) await waitlists.leave(sku, orderId);
    },
  };
}
