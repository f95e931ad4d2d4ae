import type { ShipmentWorkflowInput } from '../src/domain/deterministic';
import { Parcel } from './parcel';

/**
 * One parcel: book it, then follow the carrier's events (signals, from the sandbox carrier or
 * `orders deliver`) to delivery, telling the order at each stage. A later event implies the
 * earlier ones, so a carrier that only reports "delivered" still walks every stage in order.
 * Cancelled before pickup, it cancels its booking; cancelled after, it follows the parcel that
 * left (its order settles on what left). A carrier silent past the deadline marks the order
 * NeedsAttention (a lost parcel) and the wait goes on; the next event clears the mark.
 * The parcel's state and steps, and the three ways its events come: workflows/parcel.ts.
 */
export async function shipmentWorkflow(input: ShipmentWorkflowInput): Promise<{ shipmentId: string; delivered: true }> {
  const parcel = new Parcel(input);
  try {
    await parcel.book();
    await parcel.followStages();
    await parcel.finish();
  } catch (err) {
    if (!(await parcel.undo(err))) throw err;
  }
  return { shipmentId: input.shipmentId, delivered: true };
}
