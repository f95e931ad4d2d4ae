import { ApplicationFailure, CancellationScope, condition, patched, setHandler } from '@temporalio/workflow';
import {
  cancellationTarget,
  isApprover,
  isCarrierEvent,
  isTerminal,
  provenance,
  type CancelInput,
} from '../src/domain/deterministic';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelLinesUpdate,
  cancelUpdate,
  carrierEventSignal,
  rejectSignal,
  rejectUpdate,
  shipmentAttentionSignal,
  shipmentProgressSignal,
  statusQuery,
} from './order-api';
import { backorderReleasedSignal } from './backorder-api';
import type { OrderRun } from './order-run';
import { PATCHES } from './patches';
import { cancelLines, whyNotCancelLines } from './partial-cancel';
import { applyShipmentProgress, progressNews, shipmentAttention } from './shipment-progress';
import { whyNotSigned, whyNotSignedClaims, type OrderDecisionInput } from './signed-decisions';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

const refuseUpdate = (why: string | undefined) => {
  if (why) throw ApplicationFailure.nonRetryable(why, 'UpdateRejected');
};

/**
 * The order's messages: the status query, approve/reject/cancel as Updates (the caller gets a
 * yes/no) and as Signals (Web UI, `temporal workflow signal`; a refused one is recorded in the
 * history, never silently applied), the shipment children's reports, and (v0.8) the carrier's
 * events for the parcels the order runs itself. Signals carry whatever JSON someone typed: every
 * shape is checked.
 */
export function installOrderHandlers(run: OrderRun, root: CancellationScope): void {
  const { view, state } = run;
  setHandler(statusQuery, () => view);
  setHandler(backorderReleasedSignal, () => {
    run.restockReleased = true;
  });

  setHandler(approveUpdate, async (a) => (refuseUpdate(await approveOrReject(run, 'approve', a)), view), {
    validator: (a) => refuseUpdate(whyNotSignedClaims(run, 'approve', a?.proof) ?? whyNotDecide(run, a?.proof)),
  });
  setHandler(rejectUpdate, async (r) => (refuseUpdate(await approveOrReject(run, 'reject', r)), view), {
    validator: (r) => refuseUpdate(whyNotSignedClaims(run, 'reject', r?.proof) ?? whyNotDecide(run, r?.proof)),
  });
  setHandler(
    cancelUpdate,
    async (c) => {
      refuseUpdate(await requestCancel(run, c, { signed: patched(PATCHES.signedDecisions) }));
      // Answers at the end: terminal, or (a refund that failed for good) flagged for people.
      await condition(() => isTerminal(state.status) || run.undone);
      return view;
    },
    { validator: (c: CancelInput) => refuseUpdate(whyNotCancel(run) ?? whyNotSignedClaims(run, 'cancel', c?.proof)) },
  );
  setHandler(
    cancelLinesUpdate,
    async (c) => {
      refuseUpdate(await cancelLines(run, c));
      return view;
    },
    {
      validator: (c) => refuseUpdate(whyNotCancelLines(run, c) ?? whyNotSignedClaims(run, 'cancel-lines', c?.proof)),
    },
  );
  setHandler(approveSignal, async (a) => {
    const why = await approveOrReject(run, 'approve', a);
    if (why) state.note(`refused approve signal: ${why}`);
  });
  setHandler(rejectSignal, async (r) => {
    const why = await approveOrReject(run, 'reject', r);
    if (why) state.note(`refused reject signal: ${why}`);
  });
  setHandler(cancelSignal, async (c) => {
    const why = await requestCancel(run, c, { signed: patched(PATCHES.signedDecisions) });
    if (why) state.note(`refused cancel signal: ${why}`);
  });
  // A cancellation of the run (Web UI, `temporal workflow cancel`) is the same request as the
  // cancel Update and obeys the same rule.
  root.cancelRequested.catch(async () => {
    run.runCancelled = true;
    // Temporal's own cancel carries no signed decision: it is the operator action docs/security.md names.
    const why = await requestCancel(
      run,
      { reason: 'run cancellation requested', by: 'operator' },
      { signed: false },
    ).catch(String);
    if (why) state.note(`refused run cancellation: ${why}`);
  });
  installShipmentHandlers(run);
}

function installShipmentHandlers(run: OrderRun): void {
  const { state } = run;
  setHandler(shipmentProgressSignal, async ({ shipmentId: id, event }) => {
    if (!progressNews(run, id, event)) return;
    // A carrier event moves milestones: believed only when the shipping service's table has it. An
    // order that runs its parcels itself (v0.8) is on code that checks: no patch marker for it.
    if (isCarrierEvent(event) && (run.followsParcels || patched(PATCHES.verifiedProgress))) {
      const { reached } = await CancellationScope.nonCancellable(() =>
        run.acts.shipmentReached({ shipmentId: id, event }),
      );
      if (!reached) {
        state.note(`refused shipmentProgress: parcel ${id} has not reached ${event}`);
        return;
      }
    }
    applyShipmentProgress(run, id, event);
  });
  setHandler(shipmentAttentionSignal, ({ shipmentId: id, reason }) => shipmentAttention(run, id, reason));
  setHandler(carrierEventSignal, async (message: unknown) => {
    const why = await hearCarrierEvent(run, message);
    if (why) state.note(`refused carrierEvent: ${why}`);
  });
}

/**
 * v0.8: a carrier event for one of the parcels the order runs itself, handed to that parcel (which
 * checks a sender's milestone claim against the shipments table). Why it was refused, if it was.
 */
async function hearCarrierEvent(run: OrderRun, message: unknown): Promise<string | undefined> {
  const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const { event, shipmentId, recorded } = m;
  if (typeof event !== 'string' || !isCarrierEvent(event))
    return `"event" must be one of picked-up, in-transit, delivered`;
  if (typeof shipmentId !== 'string') return '"shipmentId" must name one of the order\'s parcels';
  const parcel = run.parcels.get(shipmentId);
  if (!parcel) return `order ${run.orderId} follows no parcel ${JSON.stringify(shipmentId.slice(0, 80))}`;
  const claim = recorded as { accepted?: unknown } | undefined;
  if (claim !== undefined && (typeof claim !== 'object' || claim === null || typeof claim.accepted !== 'boolean'))
    return '"recorded", when given, must be { "accepted": true | false }';
  return parcel.hearInOrder(event, claim as { accepted: boolean } | undefined);
}

/**
 * Approve or reject: a signed decision by an approver of the order's band, while it waits. Runs from
 * before signing (no patch marker) decided by the name they were given. Why it was refused, if it was.
 */
async function approveOrReject(
  run: OrderRun,
  decision: 'approve' | 'reject',
  d: OrderDecisionInput,
): Promise<string | undefined> {
  if (!patched(PATCHES.signedDecisions)) {
    const why = whyNotDecide(run, { by: d?.by });
    if (!why) decide(run, decision, { ...d, by: String(d.by).trim() });
    return why;
  }
  const why = (await whyNotSigned(run, decision, d)) ?? whyNotDecide(run, d.proof);
  if (!why) decide(run, decision, { ...d, by: d.proof!.by, role: d.proof!.role });
  return why;
}

/** A decision is final: the first one wins, later ones (and any after a timeout) are refused. */
function whyNotDecide(run: OrderRun, who: { by?: unknown } | undefined): string | undefined {
  const { view, orderId, state } = run;
  const by = who?.by;
  if (typeof by !== 'string' || by.trim() === '') return '"by" must name the approver';
  if (view.approval) return `order ${orderId} already has a decision: ${view.approval.decision}`;
  if (run.cancelRequest || run.compensating) return `order ${orderId} is being cancelled`;
  if (state.status !== 'AwaitingApproval') return `order ${orderId} is ${state.status}, not AwaitingApproval`;
  // Four eyes: whoever placed the order (the API's credentials said who) does not decide it.
  if (by === run.input.placedBy) return `"${by}" placed order ${orderId}: the placer may not decide its approval`;
  if (!isApprover(by, run.approvers())) return `"${by}" is not an authorised approver`;
  return undefined;
}

function decide(
  run: OrderRun,
  decision: 'approve' | 'reject',
  d: OrderDecisionInput & { by: string; role?: string },
): void {
  const outcome = decision === 'approve' ? 'approved' : 'rejected';
  const note = text(d.note) ?? text(d.reason);
  const identity = text(d.identity);
  run.view.approval = {
    decision: outcome,
    by: d.by,
    at: new Date().toISOString(),
    ...(d.role ? { role: d.role } : {}),
    ...(identity ? { identity } : {}),
    ...(note ? { note } : {}),
  };
  run.state.note(`${outcome} by ${d.by}${provenance(d.role, identity)}${note ? `: ${note}` : ''}`);
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
async function requestCancel(
  run: OrderRun,
  request: Partial<CancelInput> | undefined,
  { signed }: { signed: boolean },
): Promise<string | undefined> {
  const early = whyNotCancel(run);
  if (early) return early;
  const proof = request?.proof;
  if (signed) {
    // Checked even when a cancellation is under way: a forged repeat gets no yes.
    const why = await whyNotSigned(run, 'cancel', request);
    if (why) return why;
  }
  if (run.cancelRequest) return whyNotCancel(run); // already cancelling: a repeat joins it
  const gate = await CancellationScope.nonCancellable(() => run.acts.claimCancellation({ orderId: run.orderId }));
  const late = gate.granted ? whyNotCancel(run) : (gate.reason ?? 'a parcel is with the carrier');
  if (late || run.cancelRequest) return late;
  const identity = text(request?.identity);
  // Signed: who and in which role come from the proof; a storefront always cancels for its customer,
  // and a customer for themselves.
  const by = signed ? proof!.by : text(request?.by);
  const forCustomer =
    request?.onBehalfOf === 'customer' || (signed && (proof!.role === 'storefront' || proof!.role === 'customer'));
  run.cancelRequest = {
    reason: text(request?.reason) ?? 'no reason given',
    ...(by ? { by } : {}),
    ...(identity ? { identity } : {}),
    ...(forCustomer ? { onBehalfOf: 'customer' as const } : {}),
  };
  const who = signed ? ` by ${by}` : '';
  run.state.note(
    `cancellation granted${who}${provenance(signed ? proof!.role : undefined, identity)}: ${run.cancelRequest.reason}`,
  );
  run.main.cancel();
  return undefined;
}
