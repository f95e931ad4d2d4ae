/**
 * What the order workflow takes, answers and accepts: shared by the workflow, the CLI and tests.
 */
import type { CarrierEventMessage, CarrierEventType, PricedLineDto, ReservedLine } from './contracts';
import { returnWorkflowId } from './returns';
import type { OrderInput } from './order';
import type { ProductType } from './plans';
import type { FailureReason, OrderStatus } from './status';
import type { SignedDecision } from './decisions';

/**
 * Settings travel in the workflow input (workflows cannot read the environment): the starter
 * reads them from configuration, tests pass short durations. Nothing here decides who may approve
 * or how much needs approval: whoever places an order controls its input, so that is OrderPolicy.
 */
/**
 * What a placer may say about one order. The deployment's settings (the sandbox carrier, its
 * transit time, the payment window) are the workers' (OrderPolicy, pinned by loadPolicy); the
 * fields below that name them are read only by runs whose policy predates v0.5 (their start input
 * carried them), except that `sandboxCarrier: false` still asks for delivery by hand.
 */
/** The longest an order may wait for a restock (its reservation and authorization come after). */
export const MAX_BACKORDER_MS = 90 * 24 * 3_600_000;

export interface OrderSettings {
  transitTimeMs?: number;
  paymentWindowMs?: number;
  /** When false no carrier events are emitted by themselves: `orders deliver` sends them. It cannot turn them on. */
  sandboxCarrier?: boolean;
  /**
   * Set by starters on v0.4 code: the sandbox carrier sends a parcel's events by itself, handed the
   * parcel at booking, instead of the shipment workflow running it as an activity. Absent (orders
   * placed by older code): the activity, so a shipment replays as the code that started it ran it.
   */
  carrierSendsEvents?: true;
  /**
   * `orders place --backorder <duration>`: short of stock, the order waits this long for a restock
   * (status Backordered, on the SKU's waitlist) instead of being cancelled. Absent: no waiting.
   */
  backorderMs?: number;
}

/**
 * The workers' policy, loaded by an activity at the start of each order and pinned into its run
 * (a later change of configuration does not move the goalposts of a running order).
 */
export interface OrderPolicy {
  approvalThresholdCents: number;
  approvers: string[];
  approvalTimeoutMs: number;
  /** A shipment that hears nothing from the carrier for this long is marked NeedsAttention (lost parcel). */
  carrierDeadlineMs: number;
  /** A compensation still not done after this long marks the order NeedsAttention (it keeps retrying). */
  compensationAlertMs: number;
  /**
   * v0.5, the deployment's delivery settings, the workers' configuration like the rest (absent from
   * policies pinned by older code: those runs read them from their start input). Whether the sandbox
   * carrier sends a parcel's events (SANDBOX_CARRIER), its transit time, and the payment window.
   */
  sandboxCarrier?: boolean;
  transitTimeMs?: number;
  paymentWindowMs?: number;
  /** Returns (issue 29): how long a return's parcel may take to arrive; absent: 14 days. */
  returnParcelTimeoutMs?: number;
}

/** The delivery settings a run goes by (OrderRun.delivery). */
export interface DeliverySettings {
  sandboxCarrier: boolean;
  transitTimeMs: number;
  paymentWindowMs: number;
  carrierSendsEvents: boolean;
}

/**
 * The workers' settings when the pinned policy has them (v0.5), a placer's `sandboxCarrier: false`
 * (delivery by hand) honoured; otherwise, for runs started on older code, the start input's.
 */
export function deliverySettings(policy: OrderPolicy | undefined, settings: OrderSettings): DeliverySettings {
  if (policy?.paymentWindowMs !== undefined)
    return {
      sandboxCarrier: policy.sandboxCarrier === true && settings.sandboxCarrier !== false,
      transitTimeMs: policy.transitTimeMs ?? 0,
      paymentWindowMs: policy.paymentWindowMs,
      carrierSendsEvents: true,
    };
  return {
    sandboxCarrier: settings.sandboxCarrier ?? false,
    transitTimeMs: settings.transitTimeMs ?? 0,
    paymentWindowMs: settings.paymentWindowMs ?? 0,
    carrierSendsEvents: settings.carrierSendsEvents === true,
  };
}

/**
 * How the workflow knows the card: the payment provider's vault reference, taken in exchange for
 * the card token when the order was placed (src/placement/place-order.ts). The token itself never
 * enters Temporal.
 */
export interface PaymentMethodRef {
  method: 'card';
  paymentMethodId: string;
}

export interface OrderWorkflowInput {
  order: Omit<OrderInput, 'payment'> & { orderId: string; payment: PaymentMethodRef };
  settings: OrderSettings;
  /**
   * Who placed it, from the Orders API's credentials (`storefront:<name>` or a staff user's name),
   * never from the order's body: the placer may not decide its approval. Absent: placed by a tool.
   */
  placedBy?: string;
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
  /**
   * v0.8: the workflow that follows the parcel when it is not a shipment workflow of its own: the
   * order's (it runs its parcels itself). Absent: the parcel's shipment workflow follows it.
   */
  followedBy?: string;
}

export interface ApprovalView {
  decision: 'approved' | 'rejected' | 'timed-out';
  by?: string;
  /** The role `by` decided in, from the signed decision (absent on runs from before signing). */
  role?: string;
  /** The Temporal client identity the decision came from (the CLI sends its own). */
  identity?: string;
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
  /** Set from the first parcel picked up: from then on the order cannot be cancelled. */
  pointOfNoReturn?: string;
  /** Set while people must look (a compensation that cannot finish, a parcel not heard of). */
  needsAttention?: { reason: string; since: string };
  /** The rule-set version the order runs under (0: the built-in defaults). */
  rulesVersion?: number;
  /** The fulfilment plan version of each product type in the order (its snapshot). */
  plans?: Array<{ productType: ProductType; version: number }>;
  /** Pre-orders: capture and shipping wait until this release date. */
  awaitingRelease?: string;
  /** Back-ordered: the SKUs it waits for, on their waitlists, until the deadline. */
  backorder?: { skus: string[]; until: string };
  /** Goods that do not travel, issued: licence keys and gift codes (counts, never the codes). */
  issued?: { licences: number; giftCodes: number };
}

export interface ApproveInput {
  by: string;
  note?: string;
  identity?: string;
  /** Who decided, signed (decisions.ts). Required on this code; `by` must match its `by`. */
  proof?: SignedDecision;
}
export interface RejectInput {
  by: string;
  reason: string;
  identity?: string;
  proof?: SignedDecision;
}
/** Taking lines out of a running order before its payment is captured (a signed `cancel-lines`). */
export interface CancelLinesInput {
  skus: string[];
  reason: string;
  proof?: SignedDecision;
  identity?: string;
}

export interface CancelInput {
  reason: string;
  /** A cancel Update or Signal must carry one; a run cancellation (Temporal's own) cannot, see docs/security.md. */
  proof?: SignedDecision;
  /** The operator who cancels (a label, not an identity). */
  by?: string;
  identity?: string;
  /**
   * 'customer' when the customer asked (customer service relaying it, a storefront). Absent: an
   * operator's cancellation (a signal from the Web UI, the `temporal` CLI, `orders cancel` without
   * `--customer`), recorded as `cancelled-by-operator` whoever it names.
   */
  onBehalfOf?: 'customer';
}

/** Shipment child → order: a parcel needs people (no carrier event by the deadline), or no longer does. */
export interface ShipmentAttention {
  shipmentId: string;
  reason?: string;
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
  /** OrderSettings.carrierSendsEvents, passed on: book with `sandboxTransitMs`, run no carrier activity. */
  carrierSendsEvents?: true;
  carrierDeadlineMs: number;
  /**
   * Set by orders on v0.3 code (patch `lean-history`): one deadline timer for the parcel instead of
   * one per carrier stage, and no progress reports of its own (the booking and the pickup's
   * recording tell the order). Absent: the older path, so a shipment replays as the code that
   * started it ran it.
   */
  leanHistory?: true;
}

const ORDER_WORKFLOW_PREFIX = 'order-';
const RECOVERY_WORKFLOW_PREFIX = 'recover-';

export function orderWorkflowId(orderId: string): string {
  return `${ORDER_WORKFLOW_PREFIX}${orderId}`;
}

/** The one recovery of an order whose run stopped without settling it (workflows/recovery.ts). */
export function recoveryWorkflowId(orderId: string): string {
  return `${RECOVERY_WORKFLOW_PREFIX}${orderId}`;
}

/** What a recovery did: settled in part (a parcel left), undone, or nothing (already settled). */
export interface OrderRecoveryResult {
  orderId: string;
  outcome: 'settled' | 'undone' | 'already-settled' | 'flagged';
  /** The read model's status afterwards. */
  status: string;
  refundedCents: number;
  note: string;
}

/** The order id inside a workflow id (`order-<id>`, `recover-<id>`), or the workflow id itself for anything else. */
export function orderIdOfWorkflow(workflowId: string): string {
  for (const prefix of [ORDER_WORKFLOW_PREFIX, RECOVERY_WORKFLOW_PREFIX])
    if (workflowId.startsWith(prefix)) return workflowId.slice(prefix.length);
  return workflowId;
}

export function shipmentId(orderId: string, warehouseId: string): string {
  return `${orderId}-${warehouseId}`;
}

/** The stack check's run (`orders doctor`, the bench's start): one per check id. */
export function stackCheckWorkflowId(checkId: string): string {
  return `stack-check-${checkId}`;
}

/** The one place a shipment's workflow id is made (orders before v0.8 start one per parcel). */
export function shipmentWorkflowId(shipment: string): string {
  return `shipment-${shipment}`;
}

/**
 * Which workflow follows a parcel, the one routing of every carrier event (the sandbox carrier's
 * sender, the carrier inbox, `orders deliver`): the workflow its booking named (v0.8: its order,
 * which then needs the event's shipmentId), else a return's parcel's return workflow, else its
 * shipment workflow (orders before v0.8).
 */
export function parcelFollower(parcel: { shipmentId: string; followedBy?: string | null; rmaId?: string | null }): {
  workflowId: string;
  withShipmentId: boolean;
} {
  if (parcel.followedBy) return { workflowId: parcel.followedBy, withShipmentId: true };
  if (parcel.rmaId) return { workflowId: returnWorkflowId(parcel.rmaId), withShipmentId: false };
  return { workflowId: shipmentWorkflowId(parcel.shipmentId), withShipmentId: false };
}

/** The carrier event as the parcel's follower takes it (parcelFollower): an order needs the parcel's id. */
export function carrierMessage(
  follower: { withShipmentId: boolean },
  shipmentId: string,
  event: CarrierEventType,
  recorded?: { accepted: boolean },
): CarrierEventMessage {
  return { event, ...(recorded ? { recorded } : {}), ...(follower.withShipmentId ? { shipmentId } : {}) };
}
