import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, CancellationScope, sleep, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import {
  isTerminal,
  recoveryWorkflowId,
  shipmentId,
  type FailureReason,
  type OrderFacts,
  type OrderRecoveryResult,
  type OrderStatus,
} from '../src/domain/deterministic';
import { orderServices, type OrderServices } from './activity-proxies';
import { CustomerIdKey, NeedsAttentionKey, OrderStatusKey } from './search-attribute-keys';
import { settleAfterPickup } from './settle';

export interface OrderRecoveryInput {
  orderId: string;
  /** How its run closed (TERMINATED, TIMED_OUT, FAILED); absent when asked by hand. */
  closedAs?: string;
}

/** How long the recovery waits for parcels that left to be delivered before it asks people. */
const DELIVERY_WAIT_MS = 24 * 60 * 60_000;
const MAX_POLL_MS = 60_000;

const REASON_OF_CLOSE: Record<string, FailureReason> = {
  TERMINATED: 'terminated-by-operator',
  TIMED_OUT: 'run-timed-out',
};

/**
 * Settles an order whose run stopped without settling it: terminated (Temporal runs no workflow
 * code then, and from v0.8 no shipment child either: nothing cancels its bookings but this), timed
 * out, or failed before its undo finished. It works from what the services'
 * tables say, never from the dead run: the gate is closed (no pickup from now on); if no parcel
 * left, every step is undone (each compensation is idempotent and a no-op where nothing was done)
 * and the order ends Cancelled or Refunded; if one left, the order is settled in part (what left
 * stays paid, the rest is released and refunded), the parcels that left are followed to delivery
 * and it ends Delivered. What cannot be settled is flagged for people. Started by the stranded-run
 * watch (or the reservation sweeper), or by hand: `orders recover <id>`.
 */
export async function orderRecoveryWorkflow(input: OrderRecoveryInput): Promise<OrderRecoveryResult> {
  const acts = orderServices(0);
  const { orderId } = input;
  const { state } = await acts.orderRunState({ orderId });
  if (state === 'RUNNING')
    throw ApplicationFailure.nonRetryable(`order ${orderId} still runs: it settles itself`, 'OrderStillRunning');
  const facts = await acts.orderFacts({ orderId });
  // Settled already (its run finished it, or an earlier recovery): nothing is touched, no money moves.
  if (isSettled(facts))
    return { orderId, outcome: 'already-settled', status: facts!.status, refundedCents: 0, note: 'already settled' };
  // The reason its run recorded, if it got that far; else how the run closed.
  const reason =
    (facts?.failureReason as FailureReason | null) ??
    REASON_OF_CLOSE[input.closedAs ?? 'TERMINATED'] ??
    'internal-error';
  const gate = await acts.claimCancellation({ orderId });
  const result = await CancellationScope.nonCancellable(() =>
    gate.granted ? undoAll(acts, orderId, facts, reason) : settleShipped(acts, orderId, facts, reason),
  );
  upsertSearchAttributes([
    { key: OrderStatusKey, value: result.status },
    { key: NeedsAttentionKey, value: result.outcome === 'flagged' },
    ...(facts ? [{ key: CustomerIdKey, value: facts.customerId }] : []),
  ]);
  return result;
}

const isSettled = (facts: OrderFacts | undefined) => facts !== undefined && isTerminal(facts.status as OrderStatus);

/** No parcel left (and now none can): every step is undone, LIFO as the order would have. */
async function undoAll(
  acts: OrderServices,
  orderId: string,
  facts: OrderFacts | undefined,
  reason: FailureReason,
): Promise<OrderRecoveryResult> {
  const { lines } = await acts.reservedLines({ orderId });
  for (const warehouseId of new Set(lines.map((l) => l.warehouseId)))
    await acts.cancelShipment({ shipmentId: shipmentId(orderId, warehouseId) });
  const { refundedCents } = await acts.refund({ orderId });
  await acts.voidPayment({ orderId });
  await acts.voidGiftCodes({ orderId });
  await acts.revokeLicences({ orderId });
  await acts.release({ orderId });
  if (facts) await acts.leaveWaitlists({ orderId, skus: facts.lines.map((l) => l.sku) });
  if (!facts) return { orderId, outcome: 'already-settled', status: 'none', refundedCents, note: 'never priced' };
  const status = refundedCents > 0 ? 'Refunded' : 'Cancelled';
  const note = `recovered after its run stopped (${reason}): undone, ${refundedCents} refunded`;
  await acts.finalizeOrder({ orderId, status, failureReason: reason, note });
  if (facts.attention) await acts.flagOrder({ orderId, reason: null });
  return { orderId, outcome: 'undone', status, refundedCents, note };
}

/** A parcel left: settled in part, its parcels followed to delivery; flagged if they never arrive. */
async function settleShipped(
  acts: OrderServices,
  orderId: string,
  facts: OrderFacts | undefined,
  reason: FailureReason,
): Promise<OrderRecoveryResult> {
  const settled = await settleAfterPickup(acts, { orderId, lines: facts?.lines ?? [] });
  if (settled.stockMismatch) await acts.flagOrder({ orderId, reason: settled.stockMismatch });
  const note =
    `recovered after its run stopped (${reason}): shipped from ${settled.shippedFrom.join(', ')}, ` +
    `${settled.refundedCents} refunded for what did not ship`;
  if (!(await deliveredFrom(acts, orderId, settled.shippedFrom))) {
    const why = `parcels from ${settled.shippedFrom.join(', ')} left but no delivery was heard within ${DELIVERY_WAIT_MS / 3_600_000} h`;
    await acts.flagOrder({ orderId, reason: why });
    return {
      orderId,
      outcome: 'flagged',
      status: facts?.status ?? 'none',
      refundedCents: settled.refundedCents,
      note: why,
    };
  }
  await acts.finalizeOrder({ orderId, status: 'Delivered', failureReason: reason, note });
  if (facts?.attention && !settled.stockMismatch) await acts.flagOrder({ orderId, reason: null });
  return { orderId, outcome: 'settled', status: 'Delivered', refundedCents: settled.refundedCents, note };
}

/**
 * Waits until every parcel that left is delivered, as the shipping service's table records it: the
 * carrier's events are recorded there by whoever receives them (the sandbox carrier's sender, the
 * carrier inbox) whether or not the workflow that followed the parcel still runs. Orders before v0.8
 * had shipment workflows (cancelled with the order's run, one whose parcel left goes on to delivery
 * and records events sent by hand); from v0.8 the order followed its parcels itself, so a parcel's
 * events must come through a recorder. Polls, backing off to a minute; false after DELIVERY_WAIT_MS.
 */
async function deliveredFrom(acts: OrderServices, orderId: string, warehouses: string[]): Promise<boolean> {
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  for (let pauseMs = 500; ; pauseMs = Math.min(MAX_POLL_MS, pauseMs * 2)) {
    const { shipments } = await acts.shipmentsOf({ orderId });
    const pending = shipments.filter((s) => warehouses.includes(s.warehouseId) && s.status !== 'DELIVERED');
    if (pending.length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(pauseMs, deadline - Date.now()));
  }
}

/**
 * Starts the order's recovery, once (its id is the order's; a recovery that runs or succeeded is left
 * alone, one that failed runs again), abandoned by its starter so it outlives it. False when one existed.
 */
export async function startRecovery(orderId: string, closedAs: string): Promise<boolean> {
  try {
    await startChild(orderRecoveryWorkflow, {
      workflowId: recoveryWorkflowId(orderId),
      args: [{ orderId, closedAs }],
      parentClosePolicy: 'ABANDON',
      // Once; a recovery that failed may run again (the watch finds its order again).
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      staticSummary: `Recovery of order ${orderId} (its run closed as ${closedAs})`,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

export interface StrandedOrdersInput {
  /** How far back closed runs are looked at (default 24 h). */
  lookbackMs?: number;
  /** At most this many recoveries started per pass (default 50). */
  limit?: number;
}

/**
 * The stranded-run watch (the `stranded-orders` schedule, every minute by default): Temporal runs
 * no workflow code when a run is terminated or times out, so the system looks for order runs that
 * closed that way while their order is neither settled nor flagged, and starts each one's recovery.
 */
export async function strandedOrdersWorkflow(input: StrandedOrdersInput = {}): Promise<{ started: string[] }> {
  const acts = orderServices(0);
  const stranded = await acts.findStrandedOrders({
    lookbackMs: input.lookbackMs ?? 24 * 60 * 60_000,
    limit: input.limit ?? 50,
  });
  const started: string[] = [];
  for (const { orderId, closedAs } of stranded) if (await startRecovery(orderId, closedAs)) started.push(orderId);
  return { started };
}
