import { getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { ShipmentWorkflowInput } from '../src/domain/deterministic';
import { carrierEventSignal, shipmentAttentionSignal, shipmentProgressSignal } from './order-api';
import { Parcel, type ParcelHooks } from './parcel';

/**
 * One parcel as a child of its order (orders before v0.8; from v0.8 the order runs its parcels
 * itself: workflows/parcels-in-order.ts): book it, then follow the carrier's events (signals, from
 * the sandbox carrier or `orders deliver`) to delivery, telling the order at each stage. A later
 * event implies the earlier ones, so a carrier that only reports "delivered" still walks every
 * stage in order. Cancelled before pickup, it cancels its booking; cancelled after, it follows the
 * parcel that left (its order settles on what left). A carrier silent past the deadline marks the
 * order NeedsAttention (a lost parcel) and the wait goes on; the next event clears the mark.
 * The parcel's state and steps, and the three ways its events come: workflows/parcel.ts.
 */
export async function shipmentWorkflow(input: ShipmentWorkflowInput): Promise<{ shipmentId: string; delivered: true }> {
  const toParent = signalsToParent(input);
  const parcel = new Parcel(input, toParent.hooks);
  setHandler(carrierEventSignal, (m) => parcel.hear(m));
  try {
    await parcel.book();
    await parcel.followStages();
    await parcel.finish();
    await toParent.sent();
  } catch (err) {
    if (!(await parcel.undo(err))) throw err;
  }
  return { shipmentId: input.shipmentId, delivered: true };
}

/**
 * The parcel's news as signals to its order. Progress is sent without waiting for each to be
 * delivered (that wait is a workflow task of its own, in the parcel's path): the carrier starts
 * while "Booked" is on its way. The order ignores a report older than what it has; a failed one
 * fails the parcel in sent(). A lean shipment (v0.3) reports no progress: the shipping service's
 * activities tell the order Booked and picked-up.
 */
function signalsToParent(input: ShipmentWorkflowInput): { hooks: ParcelHooks; sent(): Promise<void> } {
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const { shipmentId } = input;
  const reports: Array<Promise<void>> = [];
  return {
    hooks: {
      attention: (reason) => parent.signal(shipmentAttentionSignal, { shipmentId, ...(reason ? { reason } : {}) }),
      progress(event) {
        if (input.leanHistory) return;
        const sent = parent.signal(shipmentProgressSignal, { shipmentId, event });
        sent.catch(() => undefined); // awaited in sent(); a failure surfaces there
        reports.push(sent);
      },
    },
    sent: async () => {
      await Promise.all(reports);
    },
  };
}
