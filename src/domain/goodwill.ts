/**
 * Refunds without a return (goodwill, damaged in transit): an operator gives back an amount, or a
 * line's price, of a delivered order. At or above the rule set's threshold an approver must agree
 * (a signed decision, `approve-refund`, bound to this refund's amount). Pure.
 */
import type { SignedDecision } from './decisions';

export const GOODWILL_STATUSES = ['Requested', 'AwaitingApproval', 'Refunded', 'Rejected', 'Refused'] as const;
export type GoodwillStatus = (typeof GOODWILL_STATUSES)[number];

/** The default threshold (minor units) at which a goodwill refund needs an approver; the rule set may change it. */
export const DEFAULT_GOODWILL_APPROVAL_CENTS = 5_000;

export const goodwillWorkflowId = (refundId: string) => `refund-${refundId}`;
/** The refund's part in the payment ledger: once per refund id. */
export const goodwillRefundPart = (refundId: string) => `gw.${refundId}`;

export interface GoodwillRequest {
  refundId: string;
  orderId: string;
  amountCents: number;
  /** The line it is for, if any: the line's refunds then stay within what was paid for it. */
  sku?: string;
  reason: string;
  /** Who asked, as the API's credentials said: they may not approve it (four eyes). */
  requestedBy: string;
}

/** What is left to refund: of the order's capture, and of the line's price when a line is named. */
export interface RefundRoom {
  currency: string;
  capturedCents: number;
  refundedCents: number;
  line?: { sku: string; paidCents: number; refundedCents: number };
}

export function whyNotGoodwill(
  req: Pick<GoodwillRequest, 'amountCents' | 'sku'>,
  room: RefundRoom | undefined,
): string | undefined {
  if (!room || room.capturedCents === 0) return 'orderId: the order has no captured payment to refund';
  if (!Number.isSafeInteger(req.amountCents) || req.amountCents < 1) return 'amountCents: must be at least 1';
  const left = room.capturedCents - room.refundedCents;
  if (req.amountCents > left)
    return `amountCents: ${req.amountCents} is more than the ${left} left of the order's payment`;
  if (req.sku !== undefined) {
    if (!room.line) return `sku: ${req.sku} is not a line of this order`;
    const lineLeft = room.line.paidCents - room.line.refundedCents;
    if (req.amountCents > lineLeft)
      return `amountCents: ${req.amountCents} is more than the ${lineLeft} left of what was paid for ${req.sku}`;
  }
  return undefined;
}

/** An approver's yes or no to a refund waiting for approval. */
export type RefundDecision = 'approve-refund' | 'reject-refund';

export interface GoodwillDecisionInput {
  note?: string;
  reason?: string;
  proof?: SignedDecision;
  identity?: string;
}

/** What a refund's approval or rejection says: the refund's amount and currency, and its note (approve) or reason (reject). */
export function goodwillSays(
  refund: { amountCents: number; currency: string },
  decision: RefundDecision,
  input: { note?: unknown; reason?: unknown } | undefined,
): string {
  const text = decision === 'approve-refund' ? input?.note : input?.reason;
  return JSON.stringify([refund.amountCents, refund.currency, typeof text === 'string' ? text : null]);
}

export interface GoodwillView {
  refundId: string;
  orderId: string;
  status: GoodwillStatus;
  amountCents: number;
  currency?: string;
  sku?: string;
  reason: string;
  requestedBy: string;
  approvers?: string[];
  dueAt?: string;
  decidedBy?: string;
  note?: string;
  refundedCents: number;
}
