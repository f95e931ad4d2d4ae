/**
 * Returns (RMA): what a customer may send back, and what the return workflow and the returns
 * service say to each other. Pure: the workflow, the API and the returns service share it.
 */
import type { ProductType } from './plans';
import type { RuleSet } from './rule-set';
import type { SignedDecision } from './decisions';

/** A return's life: asked for, label issued and waiting for the parcel, received, then settled. */
export const RETURN_STATUSES = [
  'Requested',
  'AwaitingParcel',
  'Received',
  'Refunded',
  'Rejected',
  'Expired',
  'Refused',
] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
/** A return in one of these is over: its units no longer count as asked back (Expired, Refused) or count for good. */
export const RETURN_TERMINAL: readonly ReturnStatus[] = ['Refunded', 'Rejected', 'Expired', 'Refused'];

/** The rules of returns, part of the rule set (data, `orders rules set`); absent in older rule sets: the defaults. */
export interface ReturnRules {
  /** Days after delivery each product type may be sent back; 0: never (licences and gift codes do not travel back). */
  windowDays: Record<ProductType, number>;
  /** The shipping fee is refunded too when the returns of an order bring back every unit it held. */
  refundShippingWhenAllReturned: boolean;
  /** A refund without a return at or above this (minor units) waits for an approver; absent: DEFAULT_GOODWILL_APPROVAL_CENTS. */
  goodwillApprovalCents?: number;
}

export const DEFAULT_RETURN_RULES: ReturnRules = {
  windowDays: { physical: 30, preorder: 30, digital: 0, giftcard: 0 },
  refundShippingWhenAllReturned: true,
};

export function returnRulesOf(rules: RuleSet | undefined): ReturnRules {
  return rules?.returns ?? DEFAULT_RETURN_RULES;
}

export const returnWorkflowId = (rmaId: string) => `return-${rmaId}`;
/** The return parcel's shipment id: one parcel per return. */
export const returnShipmentId = (rmaId: string) => `${rmaId}-back`;
/** rma ids are ids (ids.ts) short enough that a refund part `rma.<rmaId>.<lineNo>` stays within 64. */
export const RMA_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
/** The refund of one line of a return, once: its payment ledger part (activities/payments). */
export const returnRefundPart = (rmaId: string, lineNo: number) => `rma.${rmaId}.${lineNo}`;
/** The order's shipping, refunded once whichever of its returns brings the last unit back. */
export const RETURNS_SHIPPING_PART = 'returns.shipping';

export interface ReturnLineRequest {
  sku: string;
  quantity: number;
}

export interface ReturnRequest {
  rmaId: string;
  orderId: string;
  lines: ReturnLineRequest[];
  reason: string;
  /** Who asked, as the API's credentials said (a staff user, `storefront:<name>`, a customer account). */
  requestedBy: string;
}

/** What the returns service knows of one order line when a return is asked for. */
export interface ReturnableLine {
  lineNo: number;
  sku: string;
  productType: ProductType;
  unitPriceCents: number;
  /** Units that reached the customer, and when the last of them did (ISO 8601); 0 / undefined before delivery. */
  delivered: number;
  deliveredAt?: string;
  /** Units already asked back by returns that are not Expired or Refused. */
  taken: number;
}

/** Why `asked` cannot be returned (naming the line and the rule), or undefined when every line may be. */
export function whyNotReturnable(
  asked: readonly ReturnLineRequest[],
  lines: readonly ReturnableLine[],
  rules: ReturnRules,
  nowMs: number,
): string | undefined {
  if (asked.length === 0) return 'lines: a return needs at least one line';
  const twice = asked.find((a, i) => asked.findIndex((b) => b.sku === a.sku) !== i);
  if (twice) return `lines: ${twice.sku} appears twice (one line per SKU, with its quantity)`;
  for (const a of asked) {
    const line = lines.find((l) => l.sku === a.sku);
    if (!line) return `lines: ${a.sku} is not a line of this order`;
    const days = rules.windowDays[line.productType] ?? 0;
    if (days <= 0) return `lines: ${a.sku} is ${line.productType}, which is not returned (rules)`;
    if (line.delivered === 0 || !line.deliveredAt) return `lines: ${a.sku} has not been delivered`;
    const ends = Date.parse(line.deliveredAt) + days * 86_400_000;
    if (nowMs > ends) return `lines: ${a.sku}: the ${days}-day return window ended ${new Date(ends).toISOString()}`;
    const left = line.delivered - line.taken;
    if (a.quantity > left)
      return `lines: ${a.sku}: ${a.quantity} asked, but only ${left} of ${line.delivered} delivered may still be returned`;
  }
  return undefined;
}

/** The return as the returns service opened it: the lines with their prices, where the parcel goes. */
export interface OpenedReturn {
  rmaId: string;
  orderId: string;
  customerId: string;
  currency: string;
  warehouseId: string;
  country: string;
  lines: Array<ReturnLineRequest & { lineNo: number; unitPriceCents: number }>;
}

export type OpenReturnResult = { ok: true; opened: OpenedReturn } | { ok: false; reason: string };

export const RETURN_CONDITIONS = ['resellable', 'damaged'] as const;
export type ReturnCondition = (typeof RETURN_CONDITIONS)[number];

/** The warehouse's verdict on one line: how many units are accepted, in which condition, with a note. */
export interface InspectedLine {
  sku: string;
  accepted: number;
  condition: ReturnCondition;
  note?: string;
}

export interface InspectInput {
  lines: InspectedLine[];
  proof?: SignedDecision;
  identity?: string;
}

/** Why the inspection cannot settle the return's lines, or undefined. */
export function whyNotInspection(lines: unknown, opened: OpenedReturn): string | undefined {
  if (!Array.isArray(lines) || lines.length !== opened.lines.length)
    return `lines: the inspection must give a verdict for each of the ${opened.lines.length} line(s)`;
  for (const want of opened.lines) {
    const got = (lines as InspectedLine[]).find((l) => l?.sku === want.sku);
    if (!got) return `lines: no verdict for ${want.sku}`;
    if (!Number.isInteger(got.accepted) || got.accepted < 0 || got.accepted > want.quantity)
      return `lines: ${want.sku}: accepted must be 0 to ${want.quantity}`;
    if (!(RETURN_CONDITIONS as readonly unknown[]).includes(got.condition))
      return `lines: ${want.sku}: condition must be resellable or damaged`;
  }
  return undefined;
}

/** A return's view (the workflow's query, the API's answer). */
export interface ReturnView {
  rmaId: string;
  orderId: string;
  status: ReturnStatus;
  reason: string;
  currency?: string;
  lines: Array<
    ReturnLineRequest & { unitPriceCents?: number; accepted?: number; condition?: ReturnCondition; note?: string }
  >;
  shipmentId?: string;
  /** When the parcel must have arrived (ISO 8601), while the return waits for it. */
  parcelDueAt?: string;
  refundedCents: number;
  inspectedBy?: string;
  note?: string;
  history: Array<{ status: ReturnStatus; at: string; note?: string }>;
}
