import { CancellationScope, patched } from '@temporalio/workflow';
import { formatMoney, provenance } from '../src/domain/deterministic';
import { rejectOrder } from './failure-reason';
import { awaitHumanDecision } from './human-task';
import type { OrderRun } from './order-run';
import { PATCHES } from './patches';

/**
 * Human task with a deadline: a reminder half-way, a last call when a tenth of the window is left,
 * auto-reject at the end. The request and the reminders name the approvers (the notifications
 * consumer writes to them). The decision (made by the order's approve/reject handlers) and who
 * made it, from which client, go to the read model's history as well as the workflow's.
 */
export async function awaitApproval(run: OrderRun): Promise<void> {
  const { view, state, acts, orderId, runId } = run;
  const policy = run.policy!;
  const approvers = run.approvers();
  state.transition('AwaitingApproval');
  // The request says why it was asked and by when: the console's inbox shows both.
  // (Runs from before rule sets pinned none: their threshold was the policy's.)
  const pinned = policy.rules as typeof policy.rules | undefined;
  const threshold = pinned?.rules.approval.thresholdCents ?? policy.approvalThresholdCents;
  const approval = {
    rule: `total ${formatMoney({ amountCents: view.totalCents, currency: view.currency ?? 'USD' })} at or above ${formatMoney({ amountCents: threshold, currency: view.currency ?? 'USD' })} (rules v${view.rulesVersion ?? 0})`,
    dueAt: new Date(Date.now() + policy.approvalTimeoutMs).toISOString(),
  };
  await acts.recordStatus({ orderId, runId, status: 'AwaitingApproval', approvers, approval });
  const reminded = await awaitHumanDecision({
    decided: () => view.approval !== undefined,
    windowMs: policy.approvalTimeoutMs,
    remind: async (kind) => {
      const note = kind === 'half-way' ? 'approval reminder' : 'approval last call';
      state.note(
        kind === 'half-way'
          ? 'reminder: half of the approval window has passed'
          : 'last call: a tenth of the approval window is left',
      );
      await acts.recordStatus({ orderId, runId, status: 'AwaitingApproval', note, approvers, reminder: kind });
    },
    // Runs that passed the half-way reminder on older code wait out the rest in one timer.
    lastCallMs: () => (patched(PATCHES.approvalLastCall) ? Math.floor(policy.approvalTimeoutMs / 10) : 0),
  });
  if (!reminded) view.approval = { decision: 'timed-out', at: new Date().toISOString() };
  const a = view.approval!;
  const who = a.by ? ` by ${a.by}${provenance(a.role, a.identity)}` : '';
  const record = () =>
    acts.recordStatus({
      orderId,
      runId,
      status: 'AwaitingApproval',
      note: `${a.decision}${who}${a.note ? `: ${a.note}` : ''}`,
    });
  await (patched(PATCHES.decisionRecordShielded) ? CancellationScope.nonCancellable(record) : record());
  if (a.decision === 'timed-out') rejectOrder('approval-timeout', 'no decision within the approval window');
  if (a.decision === 'rejected') rejectOrder('approval-rejected', a.note ?? 'rejected');
}
