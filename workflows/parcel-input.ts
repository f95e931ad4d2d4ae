import { workflowInfo } from '@temporalio/workflow';
import type { ReservedLine, ShipmentWorkflowInput } from '../src/domain/deterministic';
import type { OrderRun } from './order-run';

/**
 * What a parcel needs to be booked and followed, from its order: the same whether a shipment child
 * (orders before v0.8) or the order itself (v0.8) follows it. `lean`: one carrier deadline timer.
 */
export function parcelInput(
  run: OrderRun,
  parcel: { shipmentId: string; warehouseId: string; lines: ReservedLine[] },
  lean: boolean,
): ShipmentWorkflowInput {
  const { input, orderId, delivery } = run;
  return {
    orderId,
    parentWorkflowId: workflowInfo().workflowId,
    ...parcel,
    address: input.order.shippingAddress,
    method: input.order.shippingMethod,
    transitTimeMs: delivery.transitTimeMs,
    sandboxCarrier: delivery.sandboxCarrier,
    ...(delivery.carrierSendsEvents ? { carrierSendsEvents: true as const } : {}),
    carrierDeadlineMs: run.policy!.carrierDeadlineMs,
    ...(lean ? { leanHistory: true as const } : {}),
  };
}
