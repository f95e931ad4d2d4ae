import { isCarrierEvent, type ShipmentProgress, type ShipmentView } from '../src/domain/deterministic';
import type { OrderRun } from './order-run';

const PROGRESS_ORDER = ['Booking', 'Booked', 'picked-up', 'in-transit', 'delivered'] as const;

/**
 * What a parcel's progress does to its order, wherever the news comes from: a shipment child's or the
 * shipping service's `shipmentProgress` (once checked), or a parcel the order runs itself (v0.8).
 */

/** The parcel, when `event` is news for it: unknown, or older than what the order has, is not. */
export function progressNews(run: OrderRun, id: string, event: ShipmentProgress['event']): ShipmentView | undefined {
  const shipment = run.view.shipments.find((s) => s.shipmentId === id);
  const newer =
    PROGRESS_ORDER.indexOf(event) > PROGRESS_ORDER.indexOf(shipment?.status as (typeof PROGRESS_ORDER)[number]);
  return shipment && newer ? shipment : undefined;
}

/** The parcel's status, the point of no return (its first pickup), Shipped when every parcel is with the carrier. */
export function applyShipmentProgress(run: OrderRun, id: string, event: ShipmentProgress['event']): void {
  const { view, state } = run;
  const shipment = progressNews(run, id, event); // again: another report may have come meanwhile
  if (shipment) shipment.status = event;
  // Point of no return: the first parcel with the carrier (the gate row recorded it already), even
  // when the parcel's own news overtook this report during its check.
  if (isCarrierEvent(event) && !view.pointOfNoReturn) {
    view.pointOfNoReturn = new Date().toISOString();
    state.note(`point of no return: parcel ${id} picked up`);
  }
  if (!shipment) return;
  // Milestone: every parcel is with the carrier.
  if (state.status === 'Processing' && view.shipments.every((s) => isCarrierEvent(s.status))) {
    state.transition('Shipped');
  }
}

/** A parcel's carrier is silent past its deadline (`reason`: the order needs people), or reports again. */
export function shipmentAttention(run: OrderRun, id: string, reason?: string): void {
  if (reason) run.state.raiseAttention(`shipment:${id}`, reason);
  else run.state.settleAttention(`shipment:${id}`, `the carrier reported on parcel ${id}`);
}
