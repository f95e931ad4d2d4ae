import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import { shipmentId, type ReservedLine, type ShipmentView } from '../src/domain/deterministic';
import { joinParcels } from './join-parcels';
import type { OrderRun } from './order-run';
import { Parcel, type ParcelHooks } from './parcel';
import { parcelInput } from './parcel-input';
import { applyShipmentProgress, shipmentAttention } from './shipment-progress';

/**
 * v0.8 (patch `parcels-in-order`): the order runs its parcels itself, no shipment child. Each
 * warehouse's parcel is a branch of the order's own history (its activities summarised "Book
 * shipment from east", "Compensate: cancel booking"): booked with the order named as its follower,
 * so the carrier's events come to the order (signal `carrierEvent` with the shipmentId, handed to the
 * parcel by order-handlers.ts); one timer watches the carrier; a failure or cancellation before
 * pickup cancels its booking (registered before it, run LIFO and not cancellable, as in the child).
 * Its news are calls on the order's state, not signals: ~20 history events and 5 workflow tasks less
 * per order (docs/benchmarks.md). A terminated order cancels nothing itself: its recovery does.
 */
export async function followParcels(run: OrderRun, byWarehouse: Map<string, ReservedLine[]>): Promise<void> {
  const { view, orderId } = run;
  const self = workflowInfo().workflowId;
  await CancellationScope.cancellable(async () => {
    const parcels: Array<{ done: Promise<unknown>; shipment: ShipmentView }> = [];
    for (const [warehouseId, group] of byWarehouse) {
      const id = shipmentId(orderId, warehouseId);
      const shipment: ShipmentView = { shipmentId: id, warehouseId, status: 'Booking', lines: group, followedBy: self };
      view.shipments.push(shipment);
      const parcel = new Parcel(
        parcelInput(run, { shipmentId: id, warehouseId, lines: group }, true), // one deadline timer
        newsToOrder(run, id),
        self,
      );
      run.parcels.set(id, parcel);
      parcels.push({ done: followParcel(parcel), shipment });
    }
    await joinParcels(parcels);
  });
}

/** A parcel's news, straight onto the order's state: the same effect as its signals had. */
function newsToOrder(run: OrderRun, id: string): ParcelHooks {
  return {
    attention: async (reason) => shipmentAttention(run, id, reason),
    progress: (event) => applyShipmentProgress(run, id, event),
  };
}

/** What the shipment workflow does for its parcel, as a branch of the order. */
async function followParcel(parcel: Parcel): Promise<void> {
  try {
    await parcel.book();
    await parcel.followStages();
    await parcel.finish();
  } catch (err) {
    if (!(await parcel.undo(err))) throw err;
  }
}
