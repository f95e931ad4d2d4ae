import { CancellationScope, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import { shipmentId, shipmentWorkflowId, type ReservedLine, type ShipmentView } from '../src/domain/deterministic';
import type { OrderRun } from './order-run';
import { shipmentWorkflow } from './shipment';
import { joinParcels } from './join-parcels';
import { parcelInput } from './parcel-input';

/**
 * Before v0.8 (runs that shipped on older code replay it): one shipment child per warehouse.
 * Children are cancelled with their order when it closes (terminated too), so no booking outlives
 * it. The order hears of each parcel's booking and pickup by signal (from the shipping service on
 * v0.3, from the child before it); its delivery is the child's result.
 */
export async function startShipments(run: OrderRun, byWarehouse: Map<string, ReservedLine[]>): Promise<void> {
  const { view, orderId } = run;
  await CancellationScope.cancellable(async () => {
    const children: Array<{ handle: ChildWorkflowHandle<typeof shipmentWorkflow>; shipment: ShipmentView }> = [];
    for (const [warehouseId, group] of byWarehouse) {
      const id = shipmentId(orderId, warehouseId);
      const shipment: ShipmentView = { shipmentId: id, warehouseId, status: 'Booking', lines: group };
      view.shipments.push(shipment);
      const handle = await startChild(shipmentWorkflow, {
        workflowId: shipmentWorkflowId(id),
        staticSummary: `Shipment ${id} from ${warehouseId}`,
        parentClosePolicy: 'REQUEST_CANCEL',
        args: [parcelInput(run, { shipmentId: id, warehouseId, lines: group }, run.state.lean)],
      });
      children.push({ handle, shipment });
    }
    await joinParcels(children.map(({ handle, shipment }) => ({ done: handle.result(), shipment })));
  });
}
