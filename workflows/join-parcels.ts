import { CancellationScope } from '@temporalio/workflow';
import type { ShipmentView } from '../src/domain/deterministic';
import { isCancellation } from './failure-reason';

/**
 * Joins the parcels, each ending delivered or setting why not on its view; the first failure
 * cancels the rest (called in a cancellable scope of their own) and is rethrown once all have ended.
 */
export async function joinParcels(parcels: Array<{ done: Promise<unknown>; shipment: ShipmentView }>): Promise<void> {
  const results = parcels.map(({ done, shipment }) =>
    done.then(
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
}
