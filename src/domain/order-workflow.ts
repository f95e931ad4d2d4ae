/**
 * What the order workflow takes, answers and accepts: shared by the workflow, the CLI and tests.
 */
import type { CarrierEventType, PricedLineDto, ReservedLine } from './contracts';
import type { OrderInput } from './order';
import type { FailureReason, OrderStatus } from './status';

/**
 * Settings travel in the workflow input (workflows cannot read the environment): the starter
 * reads them from configuration, tests pass short durations.
 */
export interface OrderSettings {
  approvalThresholdCents: number;
  approvers: string[];
  approvalTimeoutMs: number;
  transitTimeMs: number;
  paymentWindowMs: number;
  /** When false no carrier events are emitted by themselves: `orders deliver` sends them. */
  sandboxCarrier: boolean;
}

export interface OrderWorkflowInput {
  order: OrderInput & { orderId: string };
  settings: OrderSettings;
}

export interface HistoryEntry {
  status: OrderStatus;
  at: string;
  note?: string;
}

export type PaymentState = 'none' | 'authorized' | 'captured' | 'voided' | 'refunded' | 'declined';

export interface ShipmentView {
  shipmentId: string;
  warehouseId: string;
  status: 'Booking' | 'Booked' | CarrierEventType | 'Cancelled' | 'Failed';
  lines: ReservedLine[];
}

export interface ApprovalView {
  decision: 'approved' | 'rejected' | 'timed-out';
  by?: string;
  note?: string;
  at: string;
}

/** The `status` query's answer. */
export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  history: HistoryEntry[];
  lines: PricedLineDto[];
  currency?: string;
  subtotalCents: number;
  shippingCents: number;
  totalCents: number;
  needsApproval: boolean;
  approval?: ApprovalView;
  payment: { status: PaymentState; authorizedCents: number; capturedCents: number; refundedCents: number };
  shipments: ShipmentView[];
  failureReason?: FailureReason;
}

export interface ApproveInput {
  by: string;
  note?: string;
}
export interface RejectInput {
  by: string;
  reason: string;
}
export interface CancelInput {
  reason: string;
  by?: string;
}

/** Child → parent progress and carrier → shipment events. */
export interface ShipmentProgress {
  shipmentId: string;
  event: 'Booked' | CarrierEventType;
}

export interface ShipmentWorkflowInput {
  orderId: string;
  parentWorkflowId: string;
  shipmentId: string;
  warehouseId: string;
  lines: ReservedLine[];
  address: OrderInput['shippingAddress'];
  method: OrderInput['shippingMethod'];
  transitTimeMs: number;
  sandboxCarrier: boolean;
}

export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

export function shipmentId(orderId: string, warehouseId: string): string {
  return `${orderId}-${warehouseId}`;
}
