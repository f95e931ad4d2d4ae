import { CancellationScope } from '@temporalio/workflow';
import {
  LEFT_THE_WAREHOUSE,
  shipmentId,
  undeliveredCents,
  type PricedLineDto,
  type ReservedLine,
} from '../src/domain/deterministic';
import type { OrderServices } from './activity-proxies';

export interface Settled {
  /** Warehouses whose parcel left with the carrier: their units are confirmed and stay paid. */
  shippedFrom: string[];
  /** What was refunded for everything else (units that never left, lines never issued). */
  refundedCents: number;
  /** Set when the stock could not follow the parcels (the reservation was released before): for people. */
  stockMismatch?: string;
}

/**
 * After a parcel left, an order that cannot go on (it failed, or its run was stopped) is settled
 * from what the services' tables say, not undone: every booking whose parcel did not leave is
 * cancelled (its row, under its lock, then refuses a pickup; one that left meanwhile answers so), the reservation is confirmed for the units that
 * left and released for the rest, and what will not reach the customer is refunded in part
 * (`refundPart`, once per order). The order workflow and the recovery workflow both end here.
 * Every step is idempotent, and it runs whole even under a cancellation.
 */
export function settleAfterPickup(
  acts: OrderServices,
  order: { orderId: string; lines: readonly PricedLineDto[]; reservation?: readonly ReservedLine[] },
): Promise<Settled> {
  return CancellationScope.nonCancellable(async () => {
    const { orderId } = order;
    const reserved = order.reservation ?? (await acts.reservedLines({ orderId })).lines;
    const { shipments } = await acts.shipmentsOf({ orderId });
    const left = new Set(shipments.filter((s) => LEFT_THE_WAREHOUSE.includes(s.status)).map((s) => s.warehouseId));
    // Every other warehouse's parcel, booked or not yet: cancelled (an empty cancel refuses a late booking).
    for (const warehouseId of new Set(reserved.map((l) => l.warehouseId))) {
      if (left.has(warehouseId)) continue;
      const { cancelled } = await acts.cancelShipment({ shipmentId: shipmentId(orderId, warehouseId) });
      if (!cancelled) left.add(warehouseId); // it left after all, just before the gate closed
    }
    const { confirmed } = await acts.settleReservation({ orderId, shippedWarehouses: [...left] });
    // What left is what the parcels took, whatever the reservation says (it may have been released
    // before, by older code): the refund follows the parcels, a stock count that cannot is flagged.
    const shipped = reserved.filter((l) => left.has(l.warehouseId));
    const units = (lines: readonly ReservedLine[]) => lines.reduce((sum, l) => sum + l.quantity, 0);
    const stockMismatch =
      units(confirmed) === units(shipped)
        ? undefined
        : `${units(shipped)} unit(s) left with parcels but ${units(confirmed)} were taken out of stock`;
    const { skus } = await acts.issuedSkus({ orderId });
    const amountCents = undeliveredCents({ lines: order.lines, shipped, issuedSkus: skus });
    const { refundedCents } = await acts.refundPart({ orderId, part: 'undelivered', amountCents });
    return { shippedFrom: [...left].sort(), refundedCents, ...(stockMismatch ? { stockMismatch } : {}) };
  });
}
