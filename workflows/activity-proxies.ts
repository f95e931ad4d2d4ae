/**
 * Every activity the order workflows call, with its timeouts and retry policy. The README's
 * policy table is this file in prose: change both together.
 */
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import {
  ERROR_TYPES as E,
  prefixFromOrdersQueue,
  taskQueueFor,
  type InventoryActivities,
  type OrderActivities,
  type PaymentActivities,
  type Service,
  type ShippingActivities,
} from '../src/domain';

/** Forward steps: a few quick attempts, then the business failure decides. */
const step = (startToClose: string, nonRetryable: string[], maximumAttempts = 5): ActivityOptions => ({
  startToCloseTimeout: startToClose,
  scheduleToCloseTimeout: '5m',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts,
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

export function orderServices(transitTimeMs: number) {
  return {
    priceOrder: on<OrderActivities>('orders', step('10s', [])).priceOrder,
    screenCustomer: on<OrderActivities>('orders', step('10s', [])).screenCustomer,
    recordStatus: on<OrderActivities>('orders', compensation('10s')).recordStatus,
    finalizeOrder: on<OrderActivities>('orders', compensation('10s')).finalizeOrder,

    reserve: on<InventoryActivities>('inventory', step('10s', [E.OutOfStock, E.ReservationCancelled])).reserve,
    confirm: on<InventoryActivities>('inventory', compensation('10s')).confirm,
    release: on<InventoryActivities>('inventory', compensation('10s')).release,

    authorize: on<PaymentActivities>('payments', step('15s', [E.PaymentDeclined])).authorize,
    capture: on<PaymentActivities>('payments', step('15s', [E.AuthorizationExpired])).capture,
    voidPayment: on<PaymentActivities>('payments', compensation('15s')).void,
    refund: on<PaymentActivities>('payments', compensation('15s')).refund,

    validateAddress: on<ShippingActivities>('shipping', step('5s', [E.InvalidAddress])).validateAddress,
    bookShipment: on<ShippingActivities>('shipping', step('10s', [E.ShippingUnavailable])).bookShipment,
    cancelShipment: on<ShippingActivities>('shipping', compensation('10s')).cancelShipment,
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
