/** Lifecycle of an order, in the order a successful order passes through them. */
export const ORDER_STATUSES = [
  'Created',
  'InventoryChecked',
  'Backordered',
  'InventoryReserved',
  'AwaitingApproval',
  'PaymentPending',
  'PaymentCompleted',
  'PaymentFailed',
  'Processing',
  'Shipped',
  'Delivered',
  'Cancelled',
  'Refunded',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['Delivered', 'Cancelled', 'Refunded'];

/**
 * Allowed moves. Before payment an order is Cancelled (nothing to give back); once money is taken
 * it can only be Refunded. A free order (a total of zero: nothing was charged) is Cancelled after
 * payment too; the workflow decides by what was charged. PaymentFailed is not terminal so the workflow can record the failure and
 * then cancel (releasing stock) as a separate, visible step.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  Created: ['InventoryChecked', 'Cancelled'],
  // Digital goods and gift cards reserve nothing: straight on to approval or payment.
  InventoryChecked: ['Backordered', 'InventoryReserved', 'AwaitingApproval', 'PaymentPending', 'Cancelled'],
  // Placed with a back-order deadline and short of stock: waits for a restock, or the deadline.
  Backordered: ['InventoryReserved', 'Cancelled'],
  InventoryReserved: ['AwaitingApproval', 'PaymentPending', 'Cancelled'],
  AwaitingApproval: ['PaymentPending', 'Cancelled'],
  PaymentPending: ['PaymentCompleted', 'PaymentFailed', 'Cancelled'],
  PaymentFailed: ['Cancelled'],
  PaymentCompleted: ['Processing', 'Refunded', 'Cancelled'],
  // Nothing to ship (licences, gift codes): delivered once they are issued.
  Processing: ['Shipped', 'Delivered', 'Refunded', 'Cancelled'],
  Shipped: ['Delivered', 'Refunded'],
  Delivered: [],
  Cancelled: [],
  Refunded: [],
};

/**
 * A plain Error subclass so the domain stays free of Temporal imports; workflow code converts it to
 * a non-retryable ApplicationFailure (retrying cannot make an illegal move legal).
 */
export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`illegal order status transition ${from} -> ${to}`);
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransition(from, to);
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

const BEFORE_SHIPMENT: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'Created',
  'InventoryChecked',
  'Backordered',
  'InventoryReserved',
  'AwaitingApproval',
  'PaymentPending',
  'PaymentFailed',
  'PaymentCompleted',
  'Processing',
]);

/** Whether a customer/operator may still cancel: anything not finished and not yet handed to a carrier. */
export function cancellableBeforeShipment(status: OrderStatus): boolean {
  return BEFORE_SHIPMENT.has(status);
}

/**
 * Where a cancellation request leads from `status`: Cancelled before payment, Refunded after it
 * (Cancelled for a free order, which the workflow knows by its amounts), null once shipped or
 * finished. Derived from TRANSITIONS so the two cannot disagree.
 */
export function cancellationTarget(status: OrderStatus): 'Cancelled' | 'Refunded' | null {
  if (!cancellableBeforeShipment(status)) return null;
  if (canTransition(status, 'Refunded')) return 'Refunded';
  return canTransition(status, 'Cancelled') ? 'Cancelled' : null;
}

export const FAILURE_REASONS = [
  'out-of-stock',
  'unknown-sku',
  'payment-declined',
  'approval-rejected',
  'approval-timeout',
  'shipping-failed',
  'cancelled-by-customer',
  'cancelled-by-operator',
  'invalid-address',
  'fraud-suspected',
  'mixed-currency',
  // A bug or an unexpected failure, undone like any other: never reported as a customer's choice.
  'internal-error',
  // The run was stopped from outside (terminate, a run timeout): settled by the recovery workflow.
  'terminated-by-operator',
  'run-timed-out',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];
