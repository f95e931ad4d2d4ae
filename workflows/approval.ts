import { condition } from '@temporalio/workflow';
import { rejectOrder } from './failure-reason';
import type { OrderRun } from './order-run';

/**
 * Human task with a deadline: a reminder half-way, auto-reject at the end. The decision (made by
 * the order's approve/reject handlers) and who made it, from which client, go to the read model's
 * history as well as the workflow's.
 */
export async function awaitApproval(run: OrderRun): Promise<void> {
  const { view, state, acts, orderId, runId } = run;
  const policy = run.policy!;
  state.transition('AwaitingApproval');
  await acts.recordStatus({ orderId, runId, status: 'AwaitingApproval' });
  const half = Math.floor(policy.approvalTimeoutMs / 2);
  if (!(await condition(() => view.approval !== undefined, half))) {
    state.note('reminder: half of the approval window has passed');
    await acts.recordStatus({ orderId, runId, status: 'AwaitingApproval', note: 'approval reminder' });
    if (!(await condition(() => view.approval !== undefined, policy.approvalTimeoutMs - half))) {
      view.approval = { decision: 'timed-out', at: new Date().toISOString() };
    }
  }
  const a = view.approval!;
  const who = a.by ? ` by ${a.by}${a.identity ? ` (client ${a.identity})` : ''}` : '';
  await acts.recordStatus({
    orderId,
    runId,
    status: 'AwaitingApproval',
    note: `${a.decision}${who}${a.note ? `: ${a.note}` : ''}`,
  });
  if (a.decision === 'timed-out') rejectOrder('approval-timeout', 'no decision within the approval window');
  if (a.decision === 'rejected') rejectOrder('approval-rejected', a.note ?? 'rejected');
}
