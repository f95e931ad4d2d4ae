import { CancellationScope, CancelledFailure, allHandlersFinished, condition } from '@temporalio/workflow';
import { ERROR_TYPES, type FailureReason, type OrderView, type OrderWorkflowInput } from '../src/domain/deterministic';
import { failureReasonOf, hasFailureType, isCancellation } from './failure-reason';
import { installOrderHandlers } from './order-handlers';
import { OrderRun } from './order-run';

/**
 * One order from placement to delivery (OrderRun has its stages). Any failure or cancellation
 * before the point of no return (the first parcel picked up) runs the saga: compensations LIFO,
 * then a terminal Cancelled or Refunded. After it, nothing is undone: a cancellation is refused and
 * recorded as refused.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderView> {
  // A cancellation of the run must not reach the steps directly: it is the same request as the
  // `cancel` Update and obeys the same rule. So the order runs in `main` under a shield, and only
  // requestCancel() (order-handlers.ts) cancels `main`.
  const root = CancellationScope.current();
  const shield = new CancellationScope({ cancellable: false });
  const run = new OrderRun(input, shield);
  installOrderHandlers(run, root);
  return shield.run(async () => {
    try {
      await run.main.run(() => run.fulfil());
      await condition(allHandlersFinished);
      return run.view;
    } catch (err) {
      return undo(run, err);
    } finally {
      run.state.writeAttributes(); // before the run's completion: commands after it are dropped
    }
  });
}

/** The failure path: undo what was done (unless a parcel left), end Cancelled or Refunded. */
async function undo(run: OrderRun, err: unknown): Promise<OrderView> {
  const { view, state, acts, orderId, runId } = run;
  // A reused order id: nothing of this run's to undo, and the rows belong to the other order.
  if (hasFailureType(err, ERROR_TYPES.OrderIdTaken)) throw err;
  const business = failureReasonOf(err);
  const cancel = run.cancelRequest;
  const reason: FailureReason = cancel
    ? cancel.by
      ? 'cancelled-by-operator'
      : 'cancelled-by-customer'
    : (business ?? (isCancellation(err) ? 'cancelled-by-operator' : 'internal-error'));
  run.compensating = true;
  state.fail(reason);
  // Past the point of no return nothing is undone: the parcel is gone, the money is earned.
  if (view.pointOfNoReturn) {
    state.raiseAttention('failure', `failed after a parcel left: ${reason}`);
    throw err;
  }
  await CancellationScope.nonCancellable(async () => {
    if (state.status === 'PaymentPending' && business === 'payment-declined' && !cancel) {
      view.payment.status = 'declined';
      state.transition('PaymentFailed', 'card declined');
      await acts.recordStatus({ orderId, runId, status: 'PaymentFailed', note: 'card declined' });
    }
    const report = await run.saga.compensate({
      alertAfterMs: run.policy?.compensationAlertMs ?? 5 * 60_000,
      slow: (step) => state.raiseAttention(`compensation:${step}`, `compensation "${step}" is still retrying`),
      recovered: (step) => state.settleAttention(`compensation:${step}`, `compensation "${step}" done`),
      failed: (step, message) =>
        state.raiseAttention(`compensation:${step}`, `compensation "${step}" failed: ${message}`),
    });
    // Money was taken (even if its refund failed and needs people): the order ends Refunded.
    const charged = view.payment.refundedCents > 0 || view.payment.capturedCents > 0;
    if (charged && state.status === 'PaymentPending')
      state.transition('PaymentCompleted', 'capture found while compensating');
    const target = charged ? 'Refunded' : 'Cancelled';
    const failed = report.failed.map((f) => f.step).join(', ');
    state.transition(
      target,
      `${cancel ? `cancelled: ${cancel.reason}` : reason}${failed ? ` (not undone: ${failed})` : ''}`,
    );
    await acts.finalizeOrder({ orderId, runId, status: target, failureReason: reason });
  });
  await condition(allHandlersFinished);
  // A bug is not a business outcome: after undoing, fail the run loudly. A granted run
  // cancellation ends the run as cancelled; a business failure ends it normally with the view.
  if (run.runCancelled && cancel)
    throw isCancellation(err) ? err : new CancelledFailure(`order ${orderId} cancelled: ${cancel.reason}`);
  if (reason === 'internal-error') throw err;
  return view;
}
