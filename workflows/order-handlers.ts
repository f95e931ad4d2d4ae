import { ApplicationFailure, CancellationScope, condition, setHandler } from '@temporalio/workflow';
import {
  cancellationTarget,
  isApprover,
  isCarrierEvent,
  isTerminal,
  type CancelInput,
} from '../src/domain/deterministic';
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
import { backorderReleasedSignal } from './backorder-api';
import type { OrderRun } from './order-run';

const PROGRESS_ORDER = ['Booking', 'Booked', 'picked-up', 'in-transit', 'delivered'] as const;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

const refuseUpdate = (why: string | undefined) => {
  if (why) throw ApplicationFailure.nonRetryable(why, 'UpdateRejected');
};

/**
 * The order's messages: the status query, approve/reject/cancel as Updates (the caller gets a
 * yes/no) and as Signals (Web UI, `temporal workflow signal`; a refused one is recorded in the
 * history, never silently applied), and the shipment children's reports. Signals carry whatever
 * JSON someone typed: every shape is checked.
 */
export function installOrderHandlers(run: OrderRun, root: CancellationScope): void {
  const { view, state } = run;
  setHandler(statusQuery, () => view);
  setHandler(backorderReleasedSignal, () => {
    run.restockReleased = true;
  });

  setHandler(approveUpdate, async (a) => (decide(run, 'approved', a), view), {
    validator: (a) => refuseUpdate(whyNotDecide(run, a?.by)),
  });
  setHandler(rejectUpdate, async (r) => (decide(run, 'rejected', r), view), {
    validator: (r) => refuseUpdate(whyNotDecide(run, r?.by)),
  });
  setHandler(
    cancelUpdate,
    async (c) => {
      refuseUpdate(await requestCancel(run, c));
      // Answers at the end: terminal, or (a refund that failed for good) flagged for people.
      await condition(() => isTerminal(state.status) || run.undone);
      return view;
    },
    { validator: (_c: CancelInput) => refuseUpdate(whyNotCancel(run)) },
  );
  setHandler(approveSignal, (a) => {
    const why = whyNotDecide(run, a?.by);
    if (why) state.note(`refused approve signal: ${why}`);
    else decide(run, 'approved', a);
  });
  setHandler(rejectSignal, (r) => {
    const why = whyNotDecide(run, r?.by);
    if (why) state.note(`refused reject signal: ${why}`);
    else decide(run, 'rejected', r);
  });
  setHandler(cancelSignal, async (c) => {
    const why = await requestCancel(run, c);
    if (why) state.note(`refused cancel signal: ${why}`);
  });
  // A cancellation of the run (Web UI, `temporal workflow cancel`) is the same request as the
  // cancel Update and obeys the same rule.
  root.cancelRequested.catch(async () => {
    run.runCancelled = true;
    const why = await requestCancel(run, { reason: 'run cancellation requested', by: 'operator' }).catch(String);
    if (why) state.note(`refused run cancellation: ${why}`);
  });
  installShipmentHandlers(run);
}

function installShipmentHandlers(run: OrderRun): void {
  const { view, state } = run;
  setHandler(shipmentProgressSignal, ({ shipmentId: id, event }) => {
    const shipment = view.shipments.find((s) => s.shipmentId === id);
    if (
      !shipment ||
      PROGRESS_ORDER.indexOf(event) <= PROGRESS_ORDER.indexOf(shipment.status as (typeof PROGRESS_ORDER)[number])
    )
      return; // unknown, or older than what the order has
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
}

/** A decision is final: the first one wins, later ones (and any after a timeout) are refused. */
function whyNotDecide(run: OrderRun, by: unknown): string | undefined {
  const { view, orderId, state } = run;
  if (typeof by !== 'string' || by.trim() === '') return '"by" must name the approver';
  if (view.approval) return `order ${orderId} already has a decision: ${view.approval.decision}`;
  if (run.cancelRequest || run.compensating) return `order ${orderId} is being cancelled`;
  if (state.status !== 'AwaitingApproval') return `order ${orderId} is ${state.status}, not AwaitingApproval`;
  if (!isApprover(by, run.approvers())) return `"${by}" is not an authorised approver`;
  return undefined;
}

function decide(
  run: OrderRun,
  decision: 'approved' | 'rejected',
  d: { by: string; note?: unknown; reason?: unknown; identity?: unknown },
): void {
  const note = text(d.note) ?? text(d.reason);
  const identity = text(d.identity);
  run.view.approval = {
    decision,
    by: d.by.trim(),
    at: new Date().toISOString(),
    ...(identity ? { identity } : {}),
    ...(note ? { note } : {}),
  };
  run.state.note(`${decision} by ${d.by.trim()}${identity ? ` (client ${identity})` : ''}${note ? `: ${note}` : ''}`);
}

function whyNotCancel(run: OrderRun): string | undefined {
  const { view, orderId, state } = run;
  if (run.cancelRequest) return undefined; // already cancelling: a repeat joins it
  if (view.pointOfNoReturn)
    return `order ${orderId} has a parcel with the carrier since ${view.pointOfNoReturn}: it can no longer be cancelled`;
  if (run.compensating) return `order ${orderId} is already being undone (${view.failureReason ?? 'failure'})`;
  if (cancellationTarget(state.status) === null)
    return `order ${orderId} is ${state.status}: it can no longer be cancelled (only before the first pickup)`;
  return undefined;
}

/**
 * Before the first pickup a cancellation undoes the order. Whether a parcel has left is decided by
 * the gate row in PostgreSQL that the shipping service also locks when it records a pickup, so a
 * cancellation and a pickup at the same moment cannot both win. Returns why it was refused, if it was.
 */
async function requestCancel(run: OrderRun, request: Partial<CancelInput> | undefined): Promise<string | undefined> {
  const early = whyNotCancel(run);
  if (early || run.cancelRequest) return early;
  const gate = await CancellationScope.nonCancellable(() => run.acts.claimCancellation({ orderId: run.orderId }));
  const late = gate.granted ? whyNotCancel(run) : (gate.reason ?? 'a parcel is with the carrier');
  if (late || run.cancelRequest) return late;
  const identity = text(request?.identity);
  run.cancelRequest = {
    reason: text(request?.reason) ?? 'no reason given',
    ...(text(request?.by) ? { by: text(request?.by) } : {}),
    ...(identity ? { identity } : {}),
    ...(request?.onBehalfOf === 'customer' ? { onBehalfOf: 'customer' as const } : {}),
  };
  run.state.note(`cancellation granted${identity ? ` (client ${identity})` : ''}: ${run.cancelRequest.reason}`);
  run.main.cancel();
  return undefined;
}
