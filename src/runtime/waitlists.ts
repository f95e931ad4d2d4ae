/**
 * The back-order waitlists as the rest of the system reaches them through a Temporal client: join
 * (signal-with-start, so the first order short of a SKU starts its waitlist), leave, and restock
 * (only where a waitlist runs: no waiting order, nothing to tell).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { backorderWorkflowId, taskQueueFor, type WaitlistEntry, type WaitlistInput } from '../domain';
import { joinWaitlistSignal, leaveWaitlistSignal, restockedSignal } from '../../workflows/backorder-api';
import type { backorderWaitlistWorkflow } from '../../workflows/backorder-waitlist';

/** How often a waitlist with someone on it looks at the stock by itself (stock freed by a cancellation). */
export const WAITLIST_RECHECK_MS = 60_000;

export interface Waitlists {
  join(sku: string, entry: WaitlistEntry): Promise<void>;
  leave(sku: string, orderId: string): Promise<void>;
  /** Answers whether a waitlist was there to hear it. */
  restocked(sku: string): Promise<boolean>;
}

const ignoreMissing = (err: unknown): false => {
  if (err instanceof WorkflowNotFoundError) return false;
  throw err;
};

export function waitlistsVia(client: Client, taskQueuePrefix = ''): Waitlists {
  const id = (sku: string) => backorderWorkflowId(sku, taskQueuePrefix);
  return {
    async join(sku, entry) {
      await client.workflow.signalWithStart<typeof backorderWaitlistWorkflow, [WaitlistEntry]>(
        'backorderWaitlistWorkflow',
        {
          workflowId: id(sku),
          taskQueue: taskQueueFor('orders', taskQueuePrefix),
          args: [{ sku, waiting: [], recheckMs: WAITLIST_RECHECK_MS } satisfies WaitlistInput],
          signal: joinWaitlistSignal,
          signalArgs: [entry],
        },
      );
    },
    async leave(sku, orderId) {
      await client.workflow.getHandle(id(sku)).signal(leaveWaitlistSignal, { orderId }).catch(ignoreMissing);
    },
    async restocked(sku) {
      return client.workflow
        .getHandle(id(sku))
        .signal(restockedSignal)
        .then(() => true, ignoreMissing);
    },
  };
}
