import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  ERROR_TYPES,
  cancellationTarget,
  isCarrierEvent,
  isApprover,
  needsApproval,
  shipmentId,
  type CancelInput,
  type FailureReason,
  type OrderPolicy,
  type OrderView,
  type OrderWorkflowInput,
  type ReservedLine,
  type ShipmentView,
} from '../src/domain/deterministic';
import { orderServices } from './activity-proxies';
import { failureReasonOf, hasFailureType, isCancellation, rejectOrder } from './failure-reason';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  rejectSignal,
  rejectUpdate,
  shipmentAttentionSignal,
  shipmentProgressSignal,
  statusQuery,
} from './order-api';
import { joinAll } from './join';
import { OrderState } from './order-state';
import { Saga } from './saga';
import { shipmentWorkflow } from './shipment';

const PROGRESS_ORDER = ['Booking', 'Booked', 'picked-up', 'in-transit', 'delivered'] as const;

/**
 * One order from placement to delivery: policy ∥ price → reserve (Try) ∥ customer rules ∥ address →
 * approval when the amount asks for it → authorize (Try) → capture (Confirm) → one shipment child
 * per warehouse → delivery → confirm the reservation. Any failure or cancellation before the point of
 * no return (the first parcel picked up) runs the saga: compensations LIFO, then a terminal Cancelled
 * or Refunded. After it, nothing is undone: a cancellation is refused and recorded as refused.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderView> {
  const { order, settings } = input;
  const orderId = order.orderId;
  const runId = workflowInfo().firstExecutionRunId;
  const state = new OrderState(input);
  const acts = orderServices(settings.transitTimeMs);
  const saga = new Saga();
  const view = state.view;
  // A cancellation of the run (Web UI, `temporal workflow cancel`, handle.cancel()) must not reach
  // the steps directly: it is the same request as the `cancel` Update and obeys the same rule. So the
  // order runs in `main` under a shield, and only requestCancel() cancels `main`.
  const root = CancellationScope.current();
  const shield = new CancellationScope({ cancellable: false });
  const main = new CancellationScope({ cancellable: true, parent: shield });
  let policy: OrderPolicy | undefined;
  let cancelRequest: CancelInput | undefined;
  let runCancelled = false;
  let compensating = false;

  // --- messages -------------------------------------------------------------------------------
  setHandler(statusQuery, () => view);

  // Signals from the Web UI carry whatever JSON someone typed: check the shape, never trust it.
  // A decision is final: the first one wins, later ones (and any after a timeout) are refused.
  const whyNotDecide = (by: unknown): string | undefined => {
    if (typeof by !== 'string' || by.trim() === '') return '"by" must name the approver';
    if (view.approval) return `order ${orderId} already has a decision: ${view.approval.decision}`;
    if (cancelRequest || compensating) return `order ${orderId} is being cancelled`;
    if (state.status !== 'AwaitingApproval') return `order ${orderId} is ${state.status}, not AwaitingApproval`;
    if (!policy || !isApprover(by, policy.approvers)) return `"${by}" is not an authorised approver`;
    return undefined;
  };
  const whyNotCancel = (): string | undefined => {
    if (cancelRequest) return undefined; // already cancelling: a repeat joins it
    if (view.pointOfNoReturn)
      return `order ${orderId} has a parcel with the carrier since ${view.pointOfNoReturn}: it can no longer be cancelled`;
    if (compensating) return `order ${orderId} is already being undone (${view.failureReason ?? 'failure'})`;
    if (cancellationTarget(state.status) === null)
      return `order ${orderId} is ${state.status}: it can no longer be cancelled (only before the first pickup)`;
    return undefined;
  };
  const refuseUpdate = (why: string | undefined) => {
    if (why) throw ApplicationFailure.nonRetryable(why, 'UpdateRejected');
  };
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  const decide = (
    decision: 'approved' | 'rejected',
    d: { by: string; note?: unknown; reason?: unknown; identity?: unknown },
  ) => {
    const note = text(d.note) ?? text(d.reason);
    const identity = text(d.identity);
    view.approval = {
      decision,
      by: d.by.trim(),
      at: new Date().toISOString(),
      ...(identity ? { identity } : {}),
      ...(note ? { note } : {}),
    };
    state.note(`${decision} by ${d.by.trim()}${identity ? ` (client ${identity})` : ''}${note ? `: ${note}` : ''}`);
  };
  /**
   * Before the first pickup a cancellation undoes the order. Whether a parcel has left is decided by
   * the gate row in PostgreSQL that the shipping service also locks when it records a pickup, so a
   * cancellation and a pickup at the same moment cannot both win. Returns why it was refused, if it was.
   */
  const requestCancel = async (request: Partial<CancelInput> | undefined): Promise<string | undefined> => {
    const early = whyNotCancel();
    if (early || cancelRequest) return early;
    const gate = await CancellationScope.nonCancellable(() => acts.claimCancellation({ orderId }));
    const late = gate.granted ? whyNotCancel() : (gate.reason ?? 'a parcel is with the carrier');
    if (late || cancelRequest) return late;
    const identity = text(request?.identity);
    cancelRequest = {
      reason: text(request?.reason) ?? 'no reason given',
      ...(text(request?.by) ? { by: text(request?.by) } : {}),
      ...(identity ? { identity } : {}),
    };
    state.note(`cancellation granted${identity ? ` (client ${identity})` : ''}: ${cancelRequest.reason}`);
    main.cancel();
    return undefined;
  };
  const untilFinished = async () => {
    await condition(() => ['Delivered', 'Cancelled', 'Refunded'].includes(state.status));
    return view;
  };

  setHandler(approveUpdate, async (a) => (decide('approved', a), view), {
    validator: (a) => refuseUpdate(whyNotDecide(a?.by)),
  });
  setHandler(rejectUpdate, async (r) => (decide('rejected', r), view), {
    validator: (r) => refuseUpdate(whyNotDecide(r?.by)),
  });
  setHandler(
    cancelUpdate,
    async (c) => {
      refuseUpdate(await requestCancel(c));
      return untilFinished();
    },
    { validator: (_c: CancelInput) => refuseUpdate(whyNotCancel()) },
  );
  // Signals cannot answer; a refused one is recorded in the history, never silently applied.
  setHandler(approveSignal, (a) => {
    const why = whyNotDecide(a?.by);
    if (why) state.note(`refused approve signal: ${why}`);
    else decide('approved', a);
  });
  setHandler(rejectSignal, (r) => {
    const why = whyNotDecide(r?.by);
    if (why) state.note(`refused reject signal: ${why}`);
    else decide('rejected', r);
  });
  setHandler(cancelSignal, async (c) => {
    const why = await requestCancel(c);
    if (why) state.note(`refused cancel signal: ${why}`);
  });
  root.cancelRequested.catch(async () => {
    runCancelled = true;
    const why = await requestCancel({ reason: 'run cancellation requested', by: 'operator' }).catch(String);
    if (why) state.note(`refused run cancellation: ${why}`);
  });
  setHandler(shipmentProgressSignal, ({ shipmentId: id, event }) => {
    const shipment = view.shipments.find((s) => s.shipmentId === id);
    if (
      !shipment ||
      PROGRESS_ORDER.indexOf(event) <= PROGRESS_ORDER.indexOf(shipment.status as (typeof PROGRESS_ORDER)[number])
    )
      return;
    shipment.status = event;
    // Point of no return: the first parcel with the carrier (the gate row recorded it already).
    if (isCarrierEvent(event) && !view.pointOfNoReturn) {
      view.pointOfNoReturn = new Date().toISOString();
      state.note(`point of no return: parcel ${id} picked up`);
    }
    // Milestone: every parcel is with the carrier.
    if (state.status === 'Processing' && view.shipments.every((s) => isCarrierEvent(s.status))) {
      state.transition('Shipped');
    }
  });
  setHandler(shipmentAttentionSignal, ({ shipmentId: id, reason }) => {
    if (reason) state.raiseAttention(`shipment:${id}`, reason);
    else state.settleAttention(`shipment:${id}`, `the carrier reported on parcel ${id}`);
  });

  // --- the happy path ---------------------------------------------------------------------------
  const runOrder = async (): Promise<void> => {
    // Independent reads: one round trip instead of two (the policy does not depend on the price).
    const [loadedPolicy, priced] = await Promise.all([
      acts.loadPolicy(),
      acts.priceOrder.executeWithOptions({ summary: `Price ${order.items.length} line(s) from the catalog` }, [
        { orderId, runId, customerId: order.customerId, items: order.items, shippingMethod: order.shippingMethod },
      ]),
    ]);
    policy = loadedPolicy;
    if (!priced.ok)
      rejectOrder(
        priced.reason === 'unknown-sku' ? 'unknown-sku' : 'mixed-currency',
        `${priced.reason}: ${priced.skus.join(', ')}`,
      );
    Object.assign(view, {
      lines: priced.lines,
      currency: priced.currency,
      subtotalCents: priced.subtotalCents,
      shippingCents: priced.shippingCents,
      totalCents: priced.totalCents,
    });
    view.needsApproval = needsApproval(priced.totalCents, policy.approvalThresholdCents);
    state.priced(priced.totalCents, view.needsApproval);
    state.transition('InventoryChecked');

    saga.add('release inventory', () =>
      acts.release.executeWithOptions({ summary: 'Compensate: release reserved stock' }, [{ orderId }]),
    );
    // Parallel split/join: the reservation, the customer rules and the address check do not depend
    // on each other, so they run side by side (one round trip instead of two). The join waits for
    // all three; a refusal by either check then undoes the reservation. The expiry is when the
    // sweeper may start asking whether this order still runs; a running order keeps its stock
    // whatever the clock says.
    const [reservation, screening] = await joinAll([
      acts.reserve.executeWithOptions({ summary: 'Reserve stock (Try)' }, [
        {
          orderId,
          items: order.items,
          ttlMs: (view.needsApproval ? policy.approvalTimeoutMs : 0) + settings.paymentWindowMs,
        },
      ]),
      acts.screenCustomer.executeWithOptions({ summary: 'Customer and fraud rules' }, [
        { orderId, customerId: order.customerId, totalCents: view.totalCents, itemCount: order.items.length },
      ]),
      acts.validateAddress.executeWithOptions({ summary: 'Validate shipping address' }, [
        { orderId, address: order.shippingAddress },
      ]),
    ]);
    state.transition('InventoryReserved');
    if (!screening.ok) rejectOrder(screening.reason, screening.detail);

    if (view.needsApproval) await awaitApproval(policy);

    state.transition('PaymentPending');
    // Payment steps are not cancellable: a cancellation waits for the provider's answer, so the
    // saga then knows whether there is an authorization to void or a capture to refund.
    saga.add('void authorization', async () => {
      const { voided } = await acts.voidPayment.executeWithOptions({ summary: 'Compensate: void authorization' }, [
        { orderId },
      ]);
      if (voided) view.payment.status = 'voided';
    });
    await CancellationScope.nonCancellable(() =>
      acts.authorize.executeWithOptions({ summary: `Authorize ${view.totalCents} ${view.currency} (Try)` }, [
        {
          orderId,
          amountCents: view.totalCents,
          currency: view.currency!,
          paymentMethodId: order.payment.paymentMethodId,
          windowMs: settings.paymentWindowMs,
        },
      ]),
    );
    Object.assign(view.payment, { status: 'authorized', authorizedCents: view.totalCents });
    // A cancellation that came while authorizing stops here: the capture must not start.
    if (main.consideredCancelled) throw new CancelledFailure('cancelled while authorizing');

    saga.add('refund payment', async () => {
      const { refundedCents } = await acts.refund.executeWithOptions(
        { summary: 'Compensate: refund captured payment' },
        [{ orderId }],
      );
      if (refundedCents > 0)
        Object.assign(view.payment, { status: 'refunded', refundedCents, capturedCents: refundedCents });
    });
    await CancellationScope.nonCancellable(() =>
      acts.capture.executeWithOptions({ summary: 'Capture payment (Confirm)' }, [
        { orderId, amountCents: view.totalCents, currency: view.currency! },
      ]),
    );
    Object.assign(view.payment, { status: 'captured', capturedCents: view.totalCents });
    state.transition('PaymentCompleted');

    state.transition('Processing'); // the read model has it already: capture wrote it
    // The read model's Shipped milestone is written by the first pickup itself (recordCarrierEvent).
    await shipAll(reservation.lines, policy);
    if (state.status === 'Processing') state.transition('Shipped'); // events may all arrive at once

    await acts.confirm.executeWithOptions({ summary: 'Confirm reservation: stock leaves the warehouse' }, [
      { orderId },
    ]);
    state.transition('Delivered');
    await acts.recordStatus({ orderId, runId, status: 'Delivered' });
  };

  // Human task with a deadline: a reminder half-way, auto-reject at the end. The decision and who
  // made it (and from which client) go to the read model's history as well as the workflow's.
  const awaitApproval = async (p: OrderPolicy): Promise<void> => {
    state.transition('AwaitingApproval');
    await acts.recordStatus({ orderId, runId, status: 'AwaitingApproval' });
    const half = Math.floor(p.approvalTimeoutMs / 2);
    if (!(await condition(() => view.approval !== undefined, half))) {
      state.note('reminder: half of the approval window has passed');
      await acts.recordStatus({ orderId, runId, status: 'AwaitingApproval', note: 'approval reminder' });
      if (!(await condition(() => view.approval !== undefined, p.approvalTimeoutMs - half))) {
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
  };

  // Multi-instance: one child per warehouse, joined; one failure cancels the siblings. Children
  // are cancelled with their order when it closes (terminated too), so no booking outlives it.
  const shipAll = async (lines: ReservedLine[], p: OrderPolicy): Promise<void> => {
    const byWarehouse = new Map<string, ReservedLine[]>();
    for (const line of lines) byWarehouse.set(line.warehouseId, [...(byWarehouse.get(line.warehouseId) ?? []), line]);
    await CancellationScope.cancellable(async () => {
      const children: Array<{ handle: ChildWorkflowHandle<typeof shipmentWorkflow>; shipment: ShipmentView }> = [];
      for (const [warehouseId, group] of byWarehouse) {
        const id = shipmentId(orderId, warehouseId);
        const shipment: ShipmentView = { shipmentId: id, warehouseId, status: 'Booking', lines: group };
        view.shipments.push(shipment);
        const handle = await startChild(shipmentWorkflow, {
          workflowId: `shipment-${id}`,
          staticSummary: `Shipment ${id} from ${warehouseId}`,
          parentClosePolicy: 'REQUEST_CANCEL',
          args: [
            {
              orderId,
              parentWorkflowId: workflowInfo().workflowId,
              shipmentId: id,
              warehouseId,
              lines: group,
              address: order.shippingAddress,
              method: order.shippingMethod,
              transitTimeMs: settings.transitTimeMs,
              sandboxCarrier: settings.sandboxCarrier,
              carrierDeadlineMs: p.carrierDeadlineMs,
            },
          ],
        });
        children.push({ handle, shipment });
      }
      // A child reports Booked and its pickup by signal; its delivery is its result (one signal,
      // and one workflow task of ours, less per parcel).
      const results = children.map(({ handle, shipment }) =>
        handle.result().then(
          () => {
            shipment.status = 'delivered';
          },
          (err: unknown) => {
            shipment.status = isCancellation(err) ? 'Cancelled' : 'Failed';
            throw err;
          },
        ),
      );
      try {
        await Promise.all(results);
      } catch (err) {
        CancellationScope.current().cancel();
        await Promise.allSettled(results);
        throw err;
      }
    });
  };

  // --- run, and undo on failure -----------------------------------------------------------------
  return shield.run(async () => {
    try {
      await main.run(runOrder);
      await condition(allHandlersFinished);
      return view;
    } catch (err) {
      // A reused order id: nothing of this run's to undo, and the rows belong to the other order.
      if (hasFailureType(err, ERROR_TYPES.OrderIdTaken)) throw err;
      const business = failureReasonOf(err);
      const reason: FailureReason = cancelRequest
        ? cancelRequest.by
          ? 'cancelled-by-operator'
          : 'cancelled-by-customer'
        : (business ?? (isCancellation(err) ? 'cancelled-by-operator' : 'internal-error'));
      compensating = true;
      state.fail(reason);
      // Past the point of no return nothing is undone: the parcel is gone, the money is earned.
      if (view.pointOfNoReturn) {
        state.raiseAttention('failure', `failed after a parcel left: ${reason}`);
        throw err;
      }
      await CancellationScope.nonCancellable(async () => {
        if (state.status === 'PaymentPending' && business === 'payment-declined' && !cancelRequest) {
          view.payment.status = 'declined';
          state.transition('PaymentFailed', 'card declined');
          await acts.recordStatus({ orderId, runId, status: 'PaymentFailed', note: 'card declined' });
        }
        const report = await saga.compensate({
          alertAfterMs: policy?.compensationAlertMs ?? 5 * 60_000,
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
          `${cancelRequest ? `cancelled: ${cancelRequest.reason}` : reason}${failed ? ` (not undone: ${failed})` : ''}`,
        );
        await acts.finalizeOrder({ orderId, runId, status: target, failureReason: reason });
      });
      await condition(allHandlersFinished);
      // A bug is not a business outcome: after undoing, fail the run loudly. A granted run
      // cancellation ends the run as cancelled; a business failure ends it normally with the view.
      if (runCancelled && cancelRequest)
        throw isCancellation(err) ? err : new CancelledFailure(`order ${orderId} cancelled: ${cancelRequest.reason}`);
      if (reason === 'internal-error') throw err;
      return view;
    }
  });
}
