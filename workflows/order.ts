import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  cancellationTarget,
  isApprover,
  needsApproval,
  shipmentId,
  type CancelInput,
  type FailureReason,
  type OrderView,
  type OrderWorkflowInput,
  type ReservedLine,
} from '../src/domain';
import { orderServices } from './activity-proxies';
import { failureReasonOf, isCancellation, rejectOrder } from './failure-reason';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  rejectSignal,
  rejectUpdate,
  shipmentProgressSignal,
  statusQuery,
} from './order-api';
import { OrderState } from './order-state';
import { Saga } from './saga';
import { shipmentWorkflow } from './shipment';

const PROGRESS_ORDER = ['Booking', 'Booked', 'picked-up', 'in-transit', 'delivered'] as const;

/**
 * One order from placement to delivery: price → reserve (Try) → customer rules ∥ address →
 * approval when the amount asks for it → authorize (Try) → capture (Confirm) → one shipment child
 * per warehouse → delivery → confirm the reservation. Any failure or cancellation before the
 * Shipped milestone runs the saga: compensations LIFO, then a terminal Cancelled or Refunded.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderView> {
  const { order, settings } = input;
  const state = new OrderState(input);
  const acts = orderServices(settings.transitTimeMs);
  const saga = new Saga();
  const main = new CancellationScope();
  const view = state.view;
  let cancelRequest: CancelInput | undefined;

  // --- messages -------------------------------------------------------------------------------
  setHandler(statusQuery, () => view);

  // Signals from the Web UI carry whatever JSON someone typed: check the shape, never trust it.
  const whyNotDecide = (by: unknown): string | undefined => {
    if (typeof by !== 'string' || by.trim() === '') return '"by" must name the approver';
    if (state.status !== 'AwaitingApproval') return `order ${order.orderId} is ${state.status}, not AwaitingApproval`;
    if (!isApprover(by, settings.approvers)) return `"${by}" is not an authorised approver`;
    return undefined;
  };
  const whyNotCancel = (): string | undefined =>
    cancellationTarget(state.status) === null
      ? `order ${order.orderId} is ${state.status}: it can no longer be cancelled (only before Shipped)`
      : undefined;
  const refuseUpdate = (why: string | undefined) => {
    if (why) throw ApplicationFailure.nonRetryable(why, 'UpdateRejected');
  };
  const decide = (decision: 'approved' | 'rejected', by: string, note: unknown) => {
    const text = typeof note === 'string' && note ? note : undefined;
    view.approval = { decision, by, at: new Date().toISOString(), ...(text ? { note: text } : {}) };
    state.note(`${decision} by ${by}${text ? `: ${text}` : ''}`);
  };
  const requestCancel = (request: Partial<CancelInput> | undefined) => {
    cancelRequest ??= {
      reason: typeof request?.reason === 'string' && request.reason ? request.reason : 'no reason given',
      ...(typeof request?.by === 'string' && request.by ? { by: request.by } : {}),
    };
    main.cancel();
  };
  const untilFinished = async () => {
    await condition(() => ['Delivered', 'Cancelled', 'Refunded'].includes(state.status));
    return view;
  };

  setHandler(approveUpdate, async (a) => (decide('approved', a.by, a.note), view), {
    validator: (a) => refuseUpdate(whyNotDecide(a?.by)),
  });
  setHandler(rejectUpdate, async (r) => (decide('rejected', r.by, r.reason), view), {
    validator: (r) => refuseUpdate(whyNotDecide(r?.by)),
  });
  setHandler(cancelUpdate, async (c) => (requestCancel(c), untilFinished()), {
    validator: (_c: CancelInput) => refuseUpdate(whyNotCancel()),
  });
  // Signals cannot answer; a refused one is recorded in the history, never silently applied.
  setHandler(approveSignal, (a) => {
    const why = whyNotDecide(a?.by);
    if (why) state.note(`refused approve signal: ${why}`);
    else decide('approved', a.by, a.note);
  });
  setHandler(rejectSignal, (r) => {
    const why = whyNotDecide(r?.by);
    if (why) state.note(`refused reject signal: ${why}`);
    else decide('rejected', r.by, r.reason);
  });
  setHandler(cancelSignal, (c) => {
    const why = whyNotCancel();
    if (why) state.note(`refused cancel signal: ${why}`);
    else requestCancel(c);
  });
  setHandler(shipmentProgressSignal, ({ shipmentId: id, event }) => {
    const shipment = view.shipments.find((s) => s.shipmentId === id);
    if (
      !shipment ||
      PROGRESS_ORDER.indexOf(event) <= PROGRESS_ORDER.indexOf(shipment.status as (typeof PROGRESS_ORDER)[number])
    )
      return;
    shipment.status = event;
    // Milestone: every parcel is with the carrier; from here on the order cannot be cancelled.
    if (
      state.status === 'Processing' &&
      view.shipments.every((s) => ['picked-up', 'in-transit', 'delivered'].includes(s.status))
    ) {
      state.transition('Shipped');
    }
  });

  // --- the happy path ---------------------------------------------------------------------------
  const runOrder = async (): Promise<void> => {
    const priced = await acts.priceOrder.executeWithOptions(
      { summary: `Price ${order.items.length} line(s) from the catalog` },
      [
        {
          orderId: order.orderId,
          customerId: order.customerId,
          items: order.items,
          shippingMethod: order.shippingMethod,
        },
      ],
    );
    if (!priced.ok)
      rejectOrder(
        priced.reason === 'unknown-sku' ? 'unknown-sku' : 'out-of-stock',
        `${priced.reason}: ${priced.skus.join(', ')}`,
      );
    Object.assign(view, {
      lines: priced.lines,
      currency: priced.currency,
      subtotalCents: priced.subtotalCents,
      shippingCents: priced.shippingCents,
      totalCents: priced.totalCents,
    });
    view.needsApproval = needsApproval(priced.totalCents, settings.approvalThresholdCents);
    state.priced(priced.totalCents, view.needsApproval);
    state.transition('InventoryChecked');

    saga.add('release inventory', () =>
      acts.release.executeWithOptions({ summary: 'Compensate: release reserved stock' }, [{ orderId: order.orderId }]),
    );
    const reservation = await acts.reserve.executeWithOptions({ summary: 'Reserve stock (Try)' }, [
      { orderId: order.orderId, items: order.items, ttlMs: settings.approvalTimeoutMs + settings.paymentWindowMs },
    ]);
    state.transition('InventoryReserved');

    // Parallel split/join: customer rules and address checks do not depend on each other.
    const [screening] = await Promise.all([
      acts.screenCustomer.executeWithOptions({ summary: 'Customer and fraud rules' }, [
        {
          orderId: order.orderId,
          customerId: order.customerId,
          totalCents: view.totalCents,
          itemCount: order.items.length,
        },
      ]),
      acts.validateAddress.executeWithOptions({ summary: 'Validate shipping address' }, [
        { orderId: order.orderId, address: order.shippingAddress },
      ]),
    ]);
    if (!screening.ok) rejectOrder(screening.reason, screening.detail);

    if (view.needsApproval) await awaitApproval();

    state.transition('PaymentPending');
    saga.add('void authorization', async () => {
      const { voided } = await acts.voidPayment.executeWithOptions({ summary: 'Compensate: void authorization' }, [
        { orderId: order.orderId },
      ]);
      if (voided) view.payment.status = 'voided';
    });
    await acts.authorize.executeWithOptions({ summary: `Authorize ${view.totalCents} ${view.currency} (Try)` }, [
      {
        orderId: order.orderId,
        amountCents: view.totalCents,
        currency: view.currency!,
        token: order.payment.token,
        windowMs: settings.paymentWindowMs,
      },
    ]);
    Object.assign(view.payment, { status: 'authorized', authorizedCents: view.totalCents });

    saga.add('refund payment', async () => {
      const { refundedCents } = await acts.refund.executeWithOptions(
        { summary: 'Compensate: refund captured payment' },
        [{ orderId: order.orderId }],
      );
      if (refundedCents > 0)
        Object.assign(view.payment, { status: 'refunded', refundedCents, capturedCents: refundedCents });
    });
    await acts.capture.executeWithOptions({ summary: 'Capture payment (Confirm)' }, [
      { orderId: order.orderId, amountCents: view.totalCents, currency: view.currency! },
    ]);
    Object.assign(view.payment, { status: 'captured', capturedCents: view.totalCents });
    state.transition('PaymentCompleted');

    state.transition('Processing');
    await shipAll(reservation.lines);
    if (state.status === 'Processing') state.transition('Shipped'); // events may all arrive at once
    await acts.recordStatus({ orderId: order.orderId, status: 'Shipped' });

    await acts.confirm.executeWithOptions({ summary: 'Confirm reservation: stock leaves the warehouse' }, [
      { orderId: order.orderId },
    ]);
    state.transition('Delivered');
    await acts.recordStatus({ orderId: order.orderId, status: 'Delivered' });
  };

  // Human task with a deadline: a reminder half-way, auto-reject at the end.
  const awaitApproval = async (): Promise<void> => {
    state.transition('AwaitingApproval');
    await acts.recordStatus({ orderId: order.orderId, status: 'AwaitingApproval' });
    const half = Math.floor(settings.approvalTimeoutMs / 2);
    if (!(await condition(() => view.approval !== undefined, half))) {
      state.note('reminder: half of the approval window has passed');
      await acts.recordStatus({ orderId: order.orderId, status: 'AwaitingApproval', note: 'approval reminder' });
      if (!(await condition(() => view.approval !== undefined, settings.approvalTimeoutMs - half))) {
        view.approval = { decision: 'timed-out', at: new Date().toISOString() };
        rejectOrder('approval-timeout', 'no decision within the approval window');
      }
    }
    if (view.approval?.decision === 'rejected') rejectOrder('approval-rejected', view.approval.note ?? 'rejected');
  };

  // Multi-instance: one child per warehouse, joined; one failure cancels the siblings.
  const shipAll = async (lines: ReservedLine[]): Promise<void> => {
    const byWarehouse = new Map<string, ReservedLine[]>();
    for (const line of lines) byWarehouse.set(line.warehouseId, [...(byWarehouse.get(line.warehouseId) ?? []), line]);
    await CancellationScope.cancellable(async () => {
      const children: Array<ChildWorkflowHandle<typeof shipmentWorkflow>> = [];
      for (const [warehouseId, group] of byWarehouse) {
        const id = shipmentId(order.orderId, warehouseId);
        view.shipments.push({ shipmentId: id, warehouseId, status: 'Booking', lines: group });
        children.push(
          await startChild(shipmentWorkflow, {
            workflowId: `shipment-${id}`,
            staticSummary: `Shipment ${id} from ${warehouseId}`,
            args: [
              {
                orderId: order.orderId,
                parentWorkflowId: workflowInfo().workflowId,
                shipmentId: id,
                warehouseId,
                lines: group,
                address: order.shippingAddress,
                method: order.shippingMethod,
                transitTimeMs: settings.transitTimeMs,
                sandboxCarrier: settings.sandboxCarrier,
              },
            ],
          }),
        );
      }
      const results = children.map((c) => c.result());
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
  try {
    await main.run(runOrder);
    await condition(allHandlersFinished);
    return view;
  } catch (err) {
    const workflowCancelled = isCancellation(err) && !cancelRequest;
    const reason: FailureReason | undefined = isCancellation(err)
      ? cancelRequest?.by
        ? 'cancelled-by-operator'
        : cancelRequest
          ? 'cancelled-by-customer'
          : 'cancelled-by-operator'
      : failureReasonOf(err);
    await CancellationScope.nonCancellable(async () => {
      state.fail(reason ?? 'cancelled-by-operator');
      if (reason === 'payment-declined' && state.status === 'PaymentPending') {
        view.payment.status = 'declined';
        state.transition('PaymentFailed', 'card declined');
      }
      await saga.compensate();
      if (view.payment.refundedCents > 0 && state.status === 'PaymentPending')
        state.transition('PaymentCompleted', 'capture found while compensating');
      const target = view.payment.refundedCents > 0 ? 'Refunded' : 'Cancelled';
      state.transition(target, cancelRequest ? `cancelled: ${cancelRequest.reason}` : view.failureReason);
      await acts.finalizeOrder({ orderId: order.orderId, status: target, failureReason: view.failureReason! });
    });
    // A bug is not a business outcome: after undoing, fail the run loudly. A cancellation from
    // the Web UI ends the run as Cancelled; a business failure ends it normally with the view.
    await condition(allHandlersFinished);
    if (reason === undefined || workflowCancelled) throw err;
    return view;
  }
}
