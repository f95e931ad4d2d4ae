import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ShipmentProgress } from '../domain';
import { shipmentProgressSignal } from '../../workflows/order-api';

/**
 * How the shipping service tells an order of its parcel (ShippingDeps.reportToOrder): signal
 * `shipmentProgress` through a Client. An order that has closed (cancelled while its parcel was
 * being booked, say) needs no report, so that is not a failure the activity retries.
 */
export function reportToOrderVia(
  client: Client,
): (orderWorkflowId: string, progress: ShipmentProgress) => Promise<void> {
  return async (orderWorkflowId, progress) => {
    try {
      await client.workflow.getHandle(orderWorkflowId).signal(shipmentProgressSignal, progress);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      throw err;
    }
  };
}
