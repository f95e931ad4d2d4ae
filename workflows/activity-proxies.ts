/**
 * Every activity the order workflows call, with its timeouts and retry policy. docs/lifecycle.md's
 * activity policy table is this file in prose: change both together.
 */
import { proxyActivities, proxyLocalActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import {
  ERROR_TYPES as E,
  prefixFromOrdersQueue,
  taskQueueFor,
  type BackorderActivities,
  type FulfilmentActivities,
  type InventoryActivities,
  type OrderActivities,
  type PaymentActivities,
  type ReturnActivities,
  type Service,
  type ShippingActivities,
} from '../src/domain/deterministic';

/**
 * Forward steps: business failures are non-retryable and decide at once; anything else (PostgreSQL
 * down or black-holed, a provider timeout, a worker gone) is infrastructure and is retried without
 * a limit in attempts or time, backing off to 30 s. An outage delays an order; it never cancels it.
 * The start-to-close timeout bounds one attempt, so a hung attempt is retried, not waited on.
 */
const step = (startToClose: string, nonRetryable: string[]): ActivityOptions => ({
  startToCloseTimeout: startToClose,
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [E.InvalidInput, ...nonRetryable],
  },
});

/** Compensations: must eventually succeed, so they retry without limit, backing off to a minute. */
const compensation = (startToClose: string): ActivityOptions => ({
  startToCloseTimeout: startToClose,
  // No maximumAttempts: unlimited.
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [E.InvalidInput],
  },
});

function on<A extends object>(service: Service, options: ActivityOptions) {
  const prefix = prefixFromOrdersQueue(workflowInfo().taskQueue);
  return proxyActivities<A>({ ...options, taskQueue: taskQueueFor(service, prefix) });
}

/**
 * The orders service's own steps run as local activities: the worker that runs the order workflow
 * registers them, each is short, idempotent by the order id and touches only PostgreSQL. A local
 * activity is one marker event in the history instead of three, and no round trip through the
 * server's task queue (docs/benchmarks.md measures the difference). Same retry policies: beyond a
 * minute of backoff the SDK waits on a durable timer, so an outage still only delays an order.
 */
const local = <A extends object>(options: ActivityOptions) => proxyLocalActivities<A>(options);

export function orderServices(transitTimeMs: number) {
  return {
    priceOrder: local<OrderActivities>(step('10s', [E.OrderIdTaken])).priceOrder,
    screenCustomer: local<OrderActivities>(step('10s', [])).screenCustomer,
    recordStatus: local<OrderActivities>(compensation('10s')).recordStatus,
    finalizeOrder: local<OrderActivities>(compensation('10s')).finalizeOrder,
    loadPolicy: local<OrderActivities>(step('10s', [])).loadPolicy,
    claimCancellation: local<OrderActivities>(step('10s', [])).claimCancellation,
    verifyDecision: local<OrderActivities>(step('5s', [])).verifyDecision,
    joinWaitlists: local<BackorderActivities>(step('10s', [])).joinWaitlists,
    leaveWaitlists: local<BackorderActivities>(compensation('10s')).leaveWaitlists,

    orderFacts: local<OrderActivities>(step('10s', [])).orderFacts,
    orderRunState: local<OrderActivities>(step('10s', [])).orderRunState,
    findStrandedOrders: local<OrderActivities>(step('60s', [])).findStrandedOrders,
    flagOrder: local<OrderActivities>(compensation('10s')).flagOrder,
    removeOrderLines: local<OrderActivities>(compensation('10s')).removeOrderLines,

    reserve: on<InventoryActivities>('inventory', step('10s', [E.OutOfStock, E.ReservationCancelled])).reserve,
    settleReservation: on<InventoryActivities>('inventory', compensation('10s')).settleReservation,
    reservedLines: on<InventoryActivities>('inventory', step('10s', [])).reservedLines,
    confirm: on<InventoryActivities>('inventory', compensation('10s')).confirm,
    release: on<InventoryActivities>('inventory', compensation('10s')).release,
    releaseLines: on<InventoryActivities>('inventory', step('10s', [E.IllegalTransition])).releaseLines,

    authorize: on<PaymentActivities>('payments', step('15s', [E.PaymentDeclined])).authorize,
    capture: on<PaymentActivities>(
      'payments',
      step('15s', [E.AuthorizationExpired, E.AuthorizationVoided, E.IllegalTransition]),
    ).capture,
    voidPayment: on<PaymentActivities>('payments', compensation('15s')).void,
    refund: on<PaymentActivities>('payments', compensation('15s')).refund,
    refundPart: on<PaymentActivities>('payments', compensation('15s')).refundPart,

    issueLicences: on<FulfilmentActivities>('fulfilment', step('10s', [])).issueLicences,
    revokeLicences: on<FulfilmentActivities>('fulfilment', compensation('10s')).revokeLicences,
    issueGiftCodes: on<FulfilmentActivities>('fulfilment', step('10s', [])).issueGiftCodes,
    voidGiftCodes: on<FulfilmentActivities>('fulfilment', compensation('10s')).voidGiftCodes,
    notifyCustomer: on<FulfilmentActivities>('fulfilment', step('10s', [])).notifyCustomer,
    issuedSkus: on<FulfilmentActivities>('fulfilment', step('10s', [])).issuedSkus,

    validateAddress: on<ShippingActivities>('shipping', step('5s', [E.InvalidAddress])).validateAddress,
    /** The same check, run by the orders worker (v0.3): it has no I/O, so no task-queue round trip. */
    validateAddressHere: local<ShippingActivities>(step('5s', [E.InvalidAddress])).validateAddress,
    /** v0.7: the check of a milestone report against the shipments table, by the orders worker (read-only). */
    shipmentReached: local<ShippingActivities>(step('5s', [])).shipmentReached,
    bookShipment: on<ShippingActivities>('shipping', step('10s', [E.ShippingUnavailable])).bookShipment,
    cancelShipment: on<ShippingActivities>('shipping', compensation('10s')).cancelShipment,
    shipmentsOf: on<ShippingActivities>('shipping', step('10s', [])).shipmentsOf,
    recordCarrierEvent: on<ShippingActivities>('shipping', compensation('10s')).recordCarrierEvent,
    // Long-running: heartbeats, so a dead worker is noticed within the heartbeat timeout.
    runSandboxCarrier: on<ShippingActivities>('shipping', {
      startToCloseTimeout: `${Math.ceil(transitTimeMs / 1000) * 2 + 60}s`,
      heartbeatTimeout: '10s',
      retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: [E.InvalidInput] },
    }).runSandboxCarrier,
  };
}

export type OrderServices = ReturnType<typeof orderServices>;

/**
 * What a return asks of the services: its own (the returns service), the warehouse's stock, the
 * carrier's parcel back, the refunds. Writes that follow a decision (the inspection's verdict, a
 * refund, the stock) retry until they are done, like compensations: the decision stands.
 */
export function returnServices() {
  return {
    loadPolicy: local<OrderActivities>(step('10s', [])).loadPolicy,
    verifyDecision: local<OrderActivities>(step('5s', [])).verifyDecision,
    shipmentReached: local<ShippingActivities>(step('5s', [])).shipmentReached,
    openReturn: on<ReturnActivities>('returns', step('10s', [])).openReturn,
    recordReturnStatus: on<ReturnActivities>('returns', compensation('10s')).recordReturnStatus,
    recordInspection: on<ReturnActivities>('returns', compensation('10s')).recordInspection,
    recordReturnRefund: on<ReturnActivities>('returns', compensation('10s')).recordReturnRefund,
    allUnitsReturned: on<ReturnActivities>('returns', step('10s', [])).allUnitsReturned,
    lineRefundRoom: on<ReturnActivities>('returns', step('10s', [])).lineRefundRoom,
    bookReturnParcel: on<ShippingActivities>('shipping', step('10s', [E.ShippingUnavailable])).bookReturnParcel,
    cancelShipment: on<ShippingActivities>('shipping', compensation('10s')).cancelShipment,
    recordCarrierEvent: on<ShippingActivities>('shipping', compensation('10s')).recordCarrierEvent,
    receiveReturn: on<InventoryActivities>('inventory', compensation('10s')).receiveReturn,
    refundPart: on<PaymentActivities>('payments', step('15s', [E.RefundExceedsCapture])).refundPart,
    openGoodwill: on<ReturnActivities>('returns', step('10s', [])).openGoodwill,
    recordGoodwillStatus: on<ReturnActivities>('returns', compensation('10s')).recordGoodwillStatus,
  };
}
export type ReturnServices = ReturnType<typeof returnServices>;

/** The back-order waitlist (on the orders queue) asks the inventory service what is free. */
export function waitlistServices() {
  return {
    availableStock: on<InventoryActivities>('inventory', step('10s', [])).availableStock,
  };
}
