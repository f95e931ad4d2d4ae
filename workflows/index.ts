// The workflow bundle's entry: every workflow type the `orders` task queue runs.
export { stackCheckWorkflow } from './stack-check';
export { orderWorkflow } from './order';
export { shipmentWorkflow } from './shipment';
export { reservationSweeperWorkflow } from './reservation-sweeper';
export { benchFloorWorkflow, benchFloorLocalWorkflow } from './bench-floor';
export { reconciliationWorkflow, outboxLagWorkflow } from './checks';
export { backorderWaitlistWorkflow } from './backorder-waitlist';
export { orderRecoveryWorkflow, strandedOrdersWorkflow } from './recovery';
export { returnWorkflow } from './return';
export { goodwillRefundWorkflow } from './goodwill';
