/**
 * The order workflow's message definitions. The client imports these too, so names and payload
 * types cannot drift. Approve, reject and cancel exist as Updates (the caller gets an immediate
 * yes/no) and as Signals of the same names (for `temporal workflow signal` and the Web UI).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApproveInput,
  CancelInput,
  CancelLinesInput,
  OrderView,
  RejectInput,
  ShipmentAttention,
  ShipmentProgress,
} from '../src/domain/deterministic';
import type { CarrierEventMessage } from '../src/domain/deterministic';

export const statusQuery = defineQuery<OrderView>('status');

export const approveUpdate = defineUpdate<OrderView, [ApproveInput]>('approve');
export const rejectUpdate = defineUpdate<OrderView, [RejectInput]>('reject');
export const cancelUpdate = defineUpdate<OrderView, [CancelInput]>('cancel');
/** Takes lines out of the order before its payment is captured (workflows/partial-cancel.ts). */
export const cancelLinesUpdate = defineUpdate<OrderView, [CancelLinesInput]>('cancel-lines');

export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const rejectSignal = defineSignal<[RejectInput]>('reject');
export const cancelSignal = defineSignal<[CancelInput]>('cancel');

/** Sent by each shipment child to its order. */
export const shipmentProgressSignal = defineSignal<[ShipmentProgress]>('shipmentProgress');
/** Sent by a shipment child when its carrier is overdue (`reason`), and again without one when it reports. */
export const shipmentAttentionSignal = defineSignal<[ShipmentAttention]>('shipmentAttention');
/** Sent by the carrier (sandbox activity, `orders deliver`) to a shipment workflow. */
export const carrierEventSignal = defineSignal<[CarrierEventMessage]>('carrierEvent');
