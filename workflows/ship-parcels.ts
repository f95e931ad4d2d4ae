import { patched } from '@temporalio/workflow';
import type { ReservedLine } from '../src/domain/deterministic';
import type { OrderRun } from './order-run';
import { followParcels } from './parcels-in-order';
import { PATCHES } from './patches';
import { startShipments } from './shipment-children';

/**
 * Multi-instance: one parcel per warehouse, all at once, joined; one failure cancels the siblings.
 * From v0.8 the order runs its parcels itself (workflows/parcels-in-order.ts); a run that shipped on
 * older code replays its shipment children (workflows/shipment-children.ts).
 */
export async function shipParcels(run: OrderRun, lines: ReservedLine[]): Promise<void> {
  const byWarehouse = new Map<string, ReservedLine[]>();
  for (const line of lines) byWarehouse.set(line.warehouseId, [...(byWarehouse.get(line.warehouseId) ?? []), line]);
  if (patched(PATCHES.parcelsInOrder)) return followParcels(run, byWarehouse);
  return startShipments(run, byWarehouse);
}
