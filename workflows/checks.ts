import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { ERROR_TYPES as E, type CheckReport, type ChecksActivities } from '../src/domain/deterministic';

/**
 * A check is a few read queries; the schedule runs it again later, so attempts are bounded. Above
 * the pool's statement timeout (15 s) so the database answers first.
 */
const CHECK_STEP: ActivityOptions = {
  startToCloseTimeout: '60s',
  scheduleToCloseTimeout: '10m',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [E.InvalidInput],
  },
};

const checks = () => proxyActivities<ChecksActivities>(CHECK_STEP); // the workflow's own (orders) queue

/**
 * Nightly reconciliation (the `reconciliation` schedule, `orders reconcile --now`): payments
 * ledger against orders, stock against open reservations, shipments against delivered orders.
 * The report is stored (`orders reconcile --last`); mismatches are marked for attention.
 */
export async function reconciliationWorkflow(): Promise<CheckReport> {
  return checks().reconcile({ runKey: workflowInfo().workflowId });
}

/** The `outbox-lag` schedule: alerts when events stop leaving the outbox (no relay, broker down). */
export async function outboxLagWorkflow(input: { alertMs: number }): Promise<CheckReport> {
  return checks().checkOutboxLag({ runKey: workflowInfo().workflowId, alertMs: input.alertMs });
}
