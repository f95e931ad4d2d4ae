import { CancellationScope, CancelledFailure, allHandlersFinished, condition, patched } from '@temporalio/workflow';
import {
  ERROR_TYPES,
  type CancelInput,
  type FailureReason,
  type OrderView,
  type OrderWorkflowInput,
} from '../src/domain/deterministic';
import { failureReasonOf, hasFailureType, isCancellation } from './failure-reason';
import { installOrderHandlers } from './order-handlers';
import { OrderRun } from './order-run';
import { PATCHES } from './patches';
import { settleAfterPickup } from './settle';

/**
 * One order from placement to delivery (OrderRun has its stages). Any failure or cancellation
 * before the point of no return (the first parcel picked up) runs the saga: compensations LIFO,
 * then a terminal Cancelled or Refunded. After it, nothing is undone: a cancellation is refused and
 * recorded as refused, and a failure settles the order (what left stays paid, the rest is refunded).
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

/** The failure path: undo what was done (or settle, if a parcel left), end Cancelled or Refunded. */
async function undo(run: OrderRun, err: unknown): Promise<OrderView> {
  const { view, state } = run;
  // A reused order id: nothing of this run's to undo, and the rows belong to the other order.
  if (hasFailureType(err, ERROR_TYPES.OrderIdTaken)) throw err;
  const business = failureReasonOf(err);
  const cancel = run.cancelRequest;
  const reason: FailureReason = cancel
    ? cancelReason(cancel)
    : (business ?? (isCancellation(err) ? 'cancelled-by-operator' : 'internal-error'));
  run.compensating = true;
  state.fail(reason);
  const truthful = patched(PATCHES.truthfulUndo);
  // Whether a parcel left: the gate decides (the view hears of a pickup by signal, a moment late).
  // Closing it also stops any pickup still to come; a granted cancellation closed it already.
  const parcelLeft = truthful ? !(await closeGate(run)) : view.pointOfNoReturn !== undefined;
  if (parcelLeft) {
    if (truthful) return settleShipped(run, err, reason);
    // Before v0.5: nothing undone past the point of no return, the run failed.
    state.raiseAttention('failure', `failed after a parcel left: ${reason}`);
    throw err;
  }
  await CancellationScope.nonCancellable(() => compensate(run, reason, business, truthful));
  run.undone = true;
  await condition(allHandlersFinished);
  // A bug is not a business outcome: after undoing, fail the run loudly. A granted run
  // cancellation ends the run as cancelled; a business failure ends it normally with the view.
  if (run.runCancelled && cancel)
    throw isCancellation(err) ? err : new CancelledFailure(`order ${run.orderId} cancelled: ${cancel.reason}`);
  if (reason === 'internal-error') throw err;
  return view;
}

/**
 * Whose cancellation: the customer's only when the request says so (v0.5); a request that does
 * not is an operator's, whoever it names. Runs that recorded a cancel before v0.5 read "no `by`"
 * as the customer's, as they did.
 */
function cancelReason(cancel: CancelInput): FailureReason {
  if (cancel.onBehalfOf === 'customer') return 'cancelled-by-customer';
  if (cancel.by || patched(PATCHES.truthfulUndo)) return 'cancelled-by-operator';
  return 'cancelled-by-customer';
}

/** Closes the pickup gate unless a parcel left: true when it is closed (no parcel left, none will). */
async function closeGate(run: OrderRun): Promise<boolean> {
  if (run.view.pointOfNoReturn) return false;
  if (run.cancelRequest) return true; // its grant closed the gate
  const gate = await CancellationScope.nonCancellable(() => run.acts.claimCancellation({ orderId: run.orderId }));
  return gate.granted;
}

/** Compensations LIFO, then the terminal status; what could not be undone is flagged, never hidden. */
async function compensate(
  run: OrderRun,
  reason: FailureReason,
  business: FailureReason | undefined,
  truthful: boolean,
): Promise<void> {
  const { view, state, acts, orderId, runId } = run;
  const cancel = run.cancelRequest;
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
  if (truthful && failed) await acts.flagOrder({ orderId, reason: `not undone: ${failed}` });
  // A refund that failed for good is not a refund: the order stays where it is, flagged, until
  // people (or `orders recover`) settle it.
  if (truthful && report.failed.some((f) => f.step === 'refund payment')) {
    state.note(`not ${target}: the refund failed; flagged for people`);
    return;
  }
  state.transition(
    target,
    `${cancel ? `cancelled: ${cancel.reason}` : reason}${failed ? ` (not undone: ${failed})` : ''}`,
  );
  await acts.finalizeOrder({ orderId, runId, status: target, failureReason: reason });
}

/**
 * A parcel left: nothing is undone. What left stays paid (its shipment followed it to delivery),
 * the rest is released and refunded (workflows/settle.ts); the order ends Delivered, in part
 * refunded, with the failure's reason. A parcel that left but whose delivery no one followed is
 * flagged for people. A bug still fails the run, after settling.
 */
async function settleShipped(run: OrderRun, err: unknown, reason: FailureReason): Promise<OrderView> {
  const { view, state, acts, orderId, runId } = run;
  const settled = await settleAfterPickup(acts, { orderId, lines: view.lines, reservation: run.reservedLines });
  view.payment.refundedCents += settled.refundedCents;
  const note =
    `settled after a parcel left (${reason}): shipped from ${settled.shippedFrom.join(', ')}, ` +
    `${settled.refundedCents} ${view.currency ?? ''} refunded for what did not ship`;
  const undelivered = view.shipments.filter(
    (s) => settled.shippedFrom.includes(s.warehouseId) && s.status !== 'delivered',
  );
  await CancellationScope.nonCancellable(async () => {
    if (settled.stockMismatch) {
      state.raiseAttention('stock', settled.stockMismatch);
      await acts.flagOrder({ orderId, reason: settled.stockMismatch });
    }
    if (undelivered.length === 0) {
      state.transition('Delivered', note);
      await acts.finalizeOrder({ orderId, runId, status: 'Delivered', failureReason: reason, note });
    } else {
      const why = `parcel(s) ${undelivered.map((s) => s.shipmentId).join(', ')} left but their delivery was not followed`;
      state.raiseAttention('settlement', why);
      state.note(note);
      await acts.flagOrder({ orderId, reason: why });
    }
  });
  run.undone = true;
  await condition(allHandlersFinished);
  if (reason === 'internal-error') throw err;
  return view;
}
