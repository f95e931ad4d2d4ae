/**
 * Activity contracts: what workflows may ask of each service. Workflows import these types only;
 * the implementations in activities/ own the SQL.
 */
import type { OrderPolicy } from './order-workflow';
import type { PlanSnapshot, ProductType } from './plans';
import type { RuleSet, RuleSetVersion } from './rule-set';
import type { Service } from './task-queues';
import type { Shortage } from './backorders';
import type { SignedDecision } from './decisions';
import type { InspectedLine, OpenReturnResult, ReturnRequest, ReturnStatus } from './returns';
import type { GoodwillRequest, GoodwillStatus } from './goodwill';

export interface PingInput {
  checkId: string;
  service: Service;
}

export interface DiagnosticsActivities {
  /** Records that `service`'s worker answered; idempotent on (checkId, service). */
  recordPing(input: PingInput): Promise<{ service: Service; worker: string }>;
}

// ---------------------------------------------------------------------------------------------
// Order services. Every call carries the order id; each activity is idempotent on
// (orderId, step) behind a unique constraint, so a retry after a lost answer finds its own work.
// Payloads stay small: ids, SKUs, quantities and amounts, never catalogs or card data.
// ---------------------------------------------------------------------------------------------

/** Non-retryable ApplicationFailure types raised by activities; workflows list them in retry policies. */
export const ERROR_TYPES = {
  InvalidInput: 'InvalidInput',
  OutOfStock: 'OutOfStock',
  ReservationCancelled: 'ReservationCancelled',
  PaymentDeclined: 'PaymentDeclined',
  AuthorizationExpired: 'AuthorizationExpired',
  InvalidAddress: 'InvalidAddress',
  ShippingUnavailable: 'ShippingUnavailable',
  IllegalTransition: 'IllegalTransition',
  /** The order id was claimed by another order workflow run (ids are unique for ever, not per retention). */
  OrderIdTaken: 'OrderIdTaken',
  AuthorizationVoided: 'AuthorizationVoided',
  /** The carrier event came after the order was cancelled (the parcel never left). */
  PickupRefused: 'PickupRefused',
  /** A refund larger than what is left of the capture (the provider refuses it). */
  RefundExceedsCapture: 'RefundExceedsCapture',
} as const;

export interface LineRequest {
  sku: string;
  quantity: number;
}

export interface PricedLineDto {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
  productType: ProductType;
  /** Pre-orders: the release date (ISO 8601) capture and shipping wait for. */
  releaseAt?: string;
}

export interface PriceOrderInput {
  orderId: string;
  /** The order workflow's firstExecutionRunId: the first run to price an order id owns it for ever. */
  runId: string;
  customerId: string;
  items: LineRequest[];
  shippingMethod: 'standard' | 'express';
  /** The order's rule set: its version is recorded with the order, its fees price the shipping. */
  rules?: { version: number; shipping: RuleSet['shipping'] };
}

export type PriceOrderResult =
  | {
      ok: true;
      lines: PricedLineDto[];
      currency: string;
      subtotalCents: number;
      shippingCents: number;
      totalCents: number;
      /** The plan of each product type in the order, as it was when the order was priced. */
      plans: PlanSnapshot[];
    }
  | { ok: false; reason: 'unknown-sku' | 'mixed-currency'; skus: string[] };

export interface ScreenCustomerInput {
  orderId: string;
  customerId: string;
  totalCents: number;
  itemCount: number;
  /** The shipping destination (ISO 3166-1 alpha-2) and the order's risk rules; default: the built-in ones. */
  country?: string;
  risk?: RuleSet['risk'];
}

export type LoadedPolicy = OrderPolicy & { rules: RuleSetVersion };
export type ScreenCustomerResult = { ok: true } | { ok: false; reason: 'fraud-suspected'; detail: string };

/** Read-model write for a terminal outcome reached through compensation (or a settlement: Delivered, in part refunded). */
export interface FinalizeOrderInput {
  orderId: string;
  status: 'Cancelled' | 'Refunded' | 'Delivered';
  failureReason: string;
  /** The history row's note (default: the failure reason). */
  note?: string;
  /** When given, nothing is written for an order id another run owns. */
  runId?: string;
}

export interface OrderActivities {
  /** Validates SKUs against the catalog and prices the order; writes the order row (Created) and an OrderPlaced outbox event. */
  priceOrder(input: PriceOrderInput): Promise<PriceOrderResult>;
  /** Customer / fraud rules that need history from the database. */
  screenCustomer(input: ScreenCustomerInput): Promise<ScreenCustomerResult>;
  /** Records a status the workflow reached without another activity (approval states, milestones). */
  recordStatus(input: RecordStatusInput): Promise<void>;
  finalizeOrder(input: FinalizeOrderInput): Promise<void>;
  /**
   * The workers' approval, deadline and alert policy (configuration the order's placer cannot set)
   * and the deployment's current business rules (`orders rules set`), which the order keeps.
   */
  loadPolicy(): Promise<LoadedPolicy>;
  /**
   * The one place where a cancellation and the first pickup meet, under a row lock: granted unless a
   * parcel is with the carrier; once granted, a pickup is refused (recordCarrierEvent answers false).
   */
  claimCancellation(input: { orderId: string }): Promise<{ granted: boolean; reason?: string }>;
  /** Whether a decision's signature is by a key this worker holds (src/domain/decisions.ts); why not, if not. */
  verifyDecision(input: { proof: SignedDecision; says: string }): Promise<{ refused?: string }>;
  /** Whether workflow `order-<orderId>` is running now; false when Temporal does not know it. */
  isOrderRunning(input: { orderId: string }): Promise<boolean>;
  /** How the latest run of `order-<orderId>` stands (RUNNING, TERMINATED, ...); undefined when Temporal does not know it. */
  orderRunState(input: { orderId: string }): Promise<{ state?: string }>;
  /**
   * Stranded orders: their run closed without settling them (terminated, timed out, failed; found
   * among the runs closed in the last `lookbackMs`), no later run of theirs runs (a reset), and
   * the read model has them neither terminal nor flagged for people. At most `limit`, oldest first.
   */
  findStrandedOrders(input: {
    lookbackMs: number;
    limit: number;
  }): Promise<Array<{ orderId: string; closedAs: string }>>;
  /** What the read model knows of an order, for its recovery: status, lines, money; undefined when never priced. */
  orderFacts(input: { orderId: string }): Promise<OrderFacts | undefined>;
  /** Marks the order for people in the read model (`reason`), or clears the mark (null). */
  flagOrder(input: { orderId: string; reason: string | null }): Promise<void>;
  /**
   * Lines taken out of the order before its payment (partial cancellation): the read model's lines
   * and totals shrink, what was removed is kept with who and why, and the history says so. Once.
   */
  removeOrderLines(input: {
    orderId: string;
    skus: string[];
    by: string;
    reason: string;
    subtotalCents: number;
    shippingCents: number;
    totalCents: number;
  }): Promise<void>;
}

export interface OrderFacts {
  orderId: string;
  customerId: string;
  status: string;
  lines: PricedLineDto[];
  attention: string | null;
  /** Why it failed, when its run recorded a reason (a recovery keeps it). */
  failureReason: string | null;
}

export interface RecordStatusInput {
  orderId: string;
  status: string;
  note?: string;
  runId?: string;
  /** Who is asked to approve (AwaitingApproval): the OrderAwaitingApproval event names them for the notifications. */
  approvers?: string[];
  /** An approval reminder (with `approvers`): announced as ApprovalReminder, `reminder` its kind. */
  reminder?: 'half-way' | 'last-call';
  /** The approval request itself (AwaitingApproval): the rule that asked and when an answer is due. */
  approval?: { rule: string; dueAt: string };
}

export interface ReservedLine {
  sku: string;
  warehouseId: string;
  quantity: number;
}

export interface InventoryActivities {
  /** Units of a SKU free to reserve now, over every warehouse (the back-order waitlist asks). */
  availableStock(input: { sku: string }): Promise<{ available: number }>;
  /** Try: reserves every line (all or nothing), choosing warehouses. OutOfStock / ReservationCancelled are non-retryable. */
  reserve(input: { orderId: string; items: LineRequest[]; ttlMs: number }): Promise<{ lines: ReservedLine[] }>;
  /** Confirm: reserved units leave stock (on delivery). Idempotent. */
  confirm(input: { orderId: string }): Promise<{ confirmed: boolean }>;
  /** Cancel: returns reserved units. Idempotent; with nothing reserved it records an empty cancel so a late Try is refused. */
  release(input: { orderId: string }): Promise<{ released: boolean }>;
  /**
   * Settles in part (an order that failed or was stopped after a parcel left): the lines of
   * `shippedWarehouses` leave stock (confirmed), the rest go back (released). Idempotent: answers
   * each line's outcome, also for a reservation settled before (or never made: nothing either side).
   */
  settleReservation(input: {
    orderId: string;
    shippedWarehouses: string[];
  }): Promise<{ confirmed: ReservedLine[]; released: ReservedLine[] }>;
  /**
   * Partial cancellation: the held reservation's lines of `skus` go back to stock and leave the
   * reservation (kept in reservation_line_cancels). A retry answers what the first released.
   */
  releaseLines(input: { orderId: string; skus: string[] }): Promise<{ released: ReservedLine[] }>;
  /** What the order's reservation holds or held (empty when it never reserved). */
  reservedLines(input: { orderId: string }): Promise<{ lines: ReservedLine[] }>;
  /** Order ids of held (TRIED) reservations past their expires_at, oldest first, at most `limit`. */
  findStaleReservations(input: { limit: number }): Promise<string[]>;
  /**
   * What a return brought back, once per (rma, sku): resellable units back on the warehouse's shelf,
   * damaged ones written off (stock_returns is the write-off ledger). A repeat answers the first.
   */
  receiveReturn(input: {
    rmaId: string;
    warehouseId: string;
    lines: Array<{ sku: string; restock: number; writeOff: number }>;
  }): Promise<{ restocked: number; writtenOff: number }>;
}

export interface PaymentRequest {
  orderId: string;
  amountCents: number;
  currency: string;
}

export interface PaymentActivities {
  /** Try. `tok_declined` → PaymentDeclined (non-retryable); `tok_flaky` loses its first answer. */
  /** `paymentMethodId`: the provider's vault reference, never the card token. */
  authorize(
    input: PaymentRequest & { paymentMethodId: string; windowMs: number },
  ): Promise<{ authorizationId: string }>;
  /**
   * Confirm. An authorization whose window passed before its capture (an outage between the two)
   * is renewed with `renewal` (a new authorization of the same card; PaymentDeclined if the card
   * refuses it now) and that one is captured; without `renewal`: AuthorizationExpired.
   */
  capture(
    input: PaymentRequest & { renewal?: { paymentMethodId: string; windowMs: number } },
  ): Promise<{ captureId: string }>;
  /** Cancel before capture; a no-op when nothing was authorized or it was already captured. */
  void(input: { orderId: string }): Promise<{ voided: boolean }>;
  /** Returns what is left of the captured money (all of it, unless parts were refunded); a no-op when nothing was captured. */
  refund(input: { orderId: string }): Promise<{ refundedCents: number }>;
  /**
   * Returns part of the capture, once per (order, `part`): an order settled after a parcel left
   * refunds what did not ship. Zero, or nothing captured: nothing is refunded. Answers the amount.
   */
  refundPart(input: { orderId: string; part: string; amountCents: number }): Promise<{ refundedCents: number }>;
}

export interface AddressDto {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

/** The carrier's events, in the order a parcel goes through them: any of them means the carrier has it. */
export const CARRIER_EVENTS = ['picked-up', 'in-transit', 'delivered'] as const;
export type CarrierEventType = (typeof CARRIER_EVENTS)[number];

/**
 * A carrier event as the workflow that follows the parcel receives it (parcelFollower). `recorded` is
 * set by a sender that has already recorded the event in the shipping service's database (the
 * sandbox carrier does, as a carrier's webhook receiver would): the workflow then skips its own
 * recordCarrierEvent (an order that follows its parcels believes it for a milestone only when the
 * shipments table has it). Without it (`orders deliver`, a signal from the Web UI) the workflow
 * records the event itself. `shipmentId` says which parcel: an order (v0.8) follows several.
 */
export interface CarrierEventMessage {
  event: CarrierEventType;
  recorded?: { accepted: boolean };
  shipmentId?: string;
}

export function isCarrierEvent(value: string): value is CarrierEventType {
  return (CARRIER_EVENTS as readonly string[]).includes(value);
}

/** Goods that do not travel: licence keys, gift codes, and telling the customer. */
export interface FulfilmentActivities {
  /** One licence key per line (order id + sku), issued once; answers how many the order's lines hold. */
  issueLicences(input: { orderId: string; lines: PricedLineDto[] }): Promise<{ issued: number }>;
  revokeLicences(input: { orderId: string }): Promise<{ revoked: number }>;
  /** One gift code per line worth the line's total, issued once. */
  issueGiftCodes(input: { orderId: string; lines: PricedLineDto[]; currency: string }): Promise<{ issued: number }>;
  voidGiftCodes(input: { orderId: string }): Promise<{ voided: number }>;
  /** SKUs of the order's lines issued and still valid (licence keys, gift codes): delivered without travelling. */
  issuedSkus(input: { orderId: string }): Promise<{ skus: string[] }>;
  /** Records the notification once per order and kind (the sandbox's e-mail). */
  notifyCustomer(input: { orderId: string; kind: string; skus: string[] }): Promise<void>;
}

export interface ShippingActivities {
  /** Syntactic/postal checks; InvalidAddress is non-retryable. Carrier coverage is checked at booking. */
  validateAddress(input: { orderId: string; address: AddressDto }): Promise<{ ok: true }>;
  /**
   * Books one shipment; ShippingUnavailable (non-retryable) for countries the carrier does not serve.
   * Once it is recorded (and on every retry) it tells the order `Booked` (signal `shipmentProgress`),
   * unless the order books it itself as its follower (`followedBy`): that order knows already.
   */
  bookShipment(input: {
    orderId: string;
    shipmentId: string;
    warehouseId: string;
    lines: ReservedLine[];
    address: AddressDto;
    method: 'standard' | 'express';
    /**
     * v0.4: hand the parcel to the sandbox carrier once the booking is recorded; it then sends
     * picked-up, in-transit and delivered by itself, this long in total (src/providers/sandbox/carrier-runs.ts).
     * Absent: no run (`orders deliver` sends the events, or the shipment runs runSandboxCarrier).
     */
    sandboxTransitMs?: number;
    /**
     * v0.8 (patch `parcels-in-order`): the workflow that follows the parcel, the order itself (no
     * shipment workflow). Recorded with the booking: the carrier's events go there (parcelFollower).
     */
    followedBy?: string;
  }): Promise<{
    carrierRef: string;
    /**
     * A booking found recorded already (a retry, or its order reset to before it): how far the
     * carrier's events have come in our table, so an order that follows the parcel itself picks up
     * there (the events it was sent went to the run before the reset). Absent: not picked up yet.
     */
    reached?: CarrierEventType;
  }>;
  cancelShipment(input: { shipmentId: string }): Promise<{ cancelled: boolean }>;
  /**
   * A return's parcel (one per return, id returnShipmentId): booked with the carrier from the
   * customer's country back to `warehouseId`, recorded as a shipment with the rma id, and (with
   * `sandboxTransitMs`) handed to the sandbox carrier, whose events reach the return workflow.
   * Answers the label (the carrier's reference). Idempotent by the rma id.
   */
  bookReturnParcel(input: {
    rmaId: string;
    orderId: string;
    warehouseId: string;
    country: string;
    lines: Array<{ sku: string; quantity: number }>;
    sandboxTransitMs?: number;
  }): Promise<{ shipmentId: string; label: string }>;
  /** The order's shipments as our table has them (status BOOKED, PICKED_UP, ..., CANCELLED). */
  shipmentsOf(input: {
    orderId: string;
  }): Promise<{ shipments: Array<{ shipmentId: string; warehouseId: string; status: string }> }>;
  /**
   * Records a carrier event against the shipment row (idempotent on shipment + event). The first
   * `picked-up` of an order passes its point of no return, unless a cancellation was granted
   * first: then nothing is recorded and `accepted` is false. An accepted `picked-up` is told to the
   * order (signal `shipmentProgress`), on every call, unless the order follows the parcel itself.
   */
  recordCarrierEvent(input: { shipmentId: string; event: CarrierEventType }): Promise<{ accepted: boolean }>;
  /** Whether the shipment's row has reached `event` (or passed it): the proof a milestone report must match. */
  shipmentReached(input: { shipmentId: string; event: CarrierEventType }): Promise<{ reached: boolean }>;
  /**
   * The sandbox carrier before v0.4 (shipments started by older orders still run it): plays the carrier's part in development and tests. For picked-up,
   * in-transit and delivered, `transitMs` apart in total, it records the event (recordCarrierEvent)
   * and then signals the shipment workflow with the outcome. Stops after a refused pickup. Heartbeats.
   */
  runSandboxCarrier(input: { shipmentWorkflowId: string; shipmentId: string; transitMs: number }): Promise<void>;
}

/** The returns service: its tables (returns, return_lines) and the return's events in the outbox. */
export interface ReturnActivities {
  /**
   * Checks the request against the order (delivered, not yet asked back, in the window of the rule
   * set) and records the return, both under the order's lock, so two returns of the same units
   * cannot both be opened. A refusal is recorded too (status Refused) and answered with its reason.
   */
  openReturn(input: ReturnRequest & { rules?: RuleSet }): Promise<OpenReturnResult>;
  /** Moves the return to `status` with its note, and writes its event (ReturnRequested, ...) to the outbox. Idempotent. */
  recordReturnStatus(input: {
    rmaId: string;
    status: ReturnStatus;
    note?: string;
    shipmentId?: string;
    label?: string;
    parcelDueAt?: string;
  }): Promise<void>;
  /** Records the inspection's verdict per line and who made it. Idempotent. */
  recordInspection(input: { rmaId: string; inspectedBy: string; lines: InspectedLine[] }): Promise<void>;
  /** Records a line's refund (after the payment ledger has it): the return's and the line's refunded amounts. */
  recordReturnRefund(input: { rmaId: string; sku?: string; part: string; amountCents: number }): Promise<void>;
  /**
   * A refund without a return: checked against what is left of the order's payment (and of the
   * line's price) counting the refunds still waiting, and recorded, under the order's lock; a
   * refusal is recorded too (Refused) and answered with its reason. A retry answers the same.
   */
  openGoodwill(input: GoodwillRequest): Promise<{ ok: true; currency: string } | { ok: false; reason: string }>;
  /** Moves a goodwill refund to `status` (forward only) with what goes with it; its event to the outbox. Idempotent. */
  recordGoodwillStatus(input: {
    refundId: string;
    status: GoodwillStatus;
    note?: string;
    approvers?: string[];
    dueAt?: string;
    decidedBy?: string;
    refundedCents?: number;
  }): Promise<void>;
  /** What may still be refunded for a line: its price less what returns and goodwill gave back (or hold) for it. */
  lineRefundRoom(input: { orderId: string; sku: string }): Promise<{ leftCents: number }>;
  /** Whether every unit the order held is now returned and accepted (its shipping is then refunded, by the rules). */
  allUnitsReturned(input: {
    orderId: string;
  }): Promise<{ all: boolean; shippingCents: number; shippingRefunded: boolean }>;
}

/** One finding of a scheduled check: which check, what (an order id, a sku@warehouse), and how it differs. */
export interface Mismatch {
  check: string;
  subject: string;
  detail: string;
}

export interface CheckReport {
  id?: number;
  kind: 'reconciliation' | 'outbox-lag';
  /** The workflow id of the run that made it (one report per run). */
  runKey: string;
  summary: Record<string, number>;
  mismatches: Mismatch[];
  needsAttention: boolean;
}

/** The scheduled checks (orders service): each stores its report and answers it. */
/** Back-orders (orders service; the waitlist workflows are entities per SKU: domain/backorders.ts). */
export interface BackorderActivities {
  /** Puts the order on each short SKU's waitlist, starting the waitlist if none runs. Idempotent by order id. */
  joinWaitlists(input: { orderId: string; orderWorkflowId: string; shortages: Shortage[] }): Promise<void>;
  /** Takes the order off these waitlists (a no-op where it is not on one). */
  leaveWaitlists(input: { orderId: string; skus: string[] }): Promise<void>;
}

export interface ChecksActivities {
  reconcile(input: { runKey: string }): Promise<CheckReport>;
  /** Alerts (needsAttention) when the oldest unpublished outbox row is older than alertMs. */
  checkOutboxLag(input: { runKey: string; alertMs: number }): Promise<CheckReport>;
}
