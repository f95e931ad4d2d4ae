import {
  ActivityFailure,
  log,
  patched,
  proxyActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  ERROR_TYPES as E,
  prefixFromOrdersQueue,
  taskQueueFor,
  type InventoryActivities,
  type OrderActivities,
  type Service,
} from '../src/domain/deterministic';
import { PATCHES } from './patches';
import { startRecovery } from './recovery';

export interface ReservationSweeperInput {
  /** At most this many stale reservations per pass (the oldest); the next pass takes the rest. */
  limit?: number;
}

export interface ReservationSweeperResult {
  /** Orders whose held stock this pass gave back. */
  released: string[];
  /** Orders with a parcel that left: not released (their units are gone), their recovery started. */
  recovering?: string[];
}

export const SWEEPER_DEFAULT_LIMIT = 100;

/**
 * Every step is a short query or a describe call. A pass is run again by the schedule a few
 * minutes later, so attempts are bounded here rather than unlimited like the order's compensations.
 * startToClose sits above the pool's statement timeout (15 s), so the database's answer comes first.
 */
const SWEEP_STEP: ActivityOptions = {
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '20s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [E.InvalidInput],
  },
};

function on<A extends object>(service: Service) {
  const prefix = prefixFromOrdersQueue(workflowInfo().taskQueue);
  return proxyActivities<A>({ ...SWEEP_STEP, taskQueue: taskQueueFor(service, prefix) });
}

/**
 * Gives back stock held by reservations that outlived their time to live while their order
 * workflow no longer runs (terminated, or lost to a bug): nothing else would ever release them.
 * A reservation whose order still runs is left to that order (it may be waiting for approval); one
 * with a parcel that left is never released: its order's recovery settles it.
 * Started by the `reservation-sweeper` schedule (src/runtime/schedules.ts) on the orders queue.
 */
export async function reservationSweeperWorkflow(
  input: ReservationSweeperInput = {},
): Promise<ReservationSweeperResult> {
  const inventory = on<InventoryActivities>('inventory');
  const orders = on<OrderActivities>('orders');

  const stale = await inventory.findStaleReservations({ limit: input.limit ?? SWEEPER_DEFAULT_LIMIT });
  const released: string[] = [];
  const recovering: string[] = [];
  for (const orderId of stale) {
    try {
      if (await orders.isOrderRunning({ orderId })) continue;
      // v0.5: only stock no parcel took goes back. The gate, closed here, says whether one left;
      // if one did, its units are gone, and the order's recovery settles it (workflows/recovery.ts).
      if (patched(PATCHES.truthfulUndo) && !(await orders.claimCancellation({ orderId })).granted) {
        await startRecovery(orderId, 'TERMINATED');
        recovering.push(orderId);
        continue;
      }
      if ((await inventory.release({ orderId })).released) released.push(orderId);
    } catch (err) {
      // One order that cannot be handled now must not hold up the others; the next pass retries it.
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('reservation sweeper: order skipped this pass', { orderId, error: err.cause?.message });
    }
  }
  if (released.length > 0) log.info('reservation sweeper: released stale reservations', { count: released.length });
  return { released, ...(recovering.length > 0 ? { recovering } : {}) };
}
