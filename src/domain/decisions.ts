/**
 * Proof of who decided. Every approve, reject and cancel that reaches an order carries a decision
 * signed by a holder of the decision signing key (the Orders API, after it checked the caller's
 * credentials): {orderId, decision, by, role, issuedAt, nonce} under an Ed25519 key whose public
 * half the workers hold. The workflow checks the claims here (deterministic: its own clock) and
 * the signature through a local activity (activities/orders/decisions.ts), so someone with full
 * Temporal access and the codec keys still cannot forge, replay or stretch a decision.
 */
export const DECISIONS = ['approve', 'reject', 'cancel'] as const;
export type Decision = (typeof DECISIONS)[number];
/**
 * Decisions after delivery: the warehouse's inspection of a return (subject: the rma id), an
 * approver's yes or no to a goodwill refund (subject: the refund id; src/domain/goodwill.ts).
 */
export const RETURN_DECISIONS = ['inspect', 'approve-refund', 'reject-refund'] as const;
export type ReturnDecision = (typeof RETURN_DECISIONS)[number];
/** Taking lines out of a running order before its payment (partial cancellation): roles as for a cancel. */
export const CANCEL_LINES = 'cancel-lines' as const;
/** Any signed decision: on an order, on a return or refund, or the lines of an order. */
export type AnyDecision = Decision | ReturnDecision | typeof CANCEL_LINES;

/** Staff roles (docs/security.md), the storefront, which cancels for its customers, and a customer's own account. */
export const ROLES = [
  'customer-service',
  'approver',
  'operator',
  'admin',
  'warehouse',
  'storefront',
  'customer',
] as const;
export type Role = (typeof ROLES)[number];
/** The roles a staff user of the Orders API can have (src/api/staff.ts). */
export const STAFF_ROLES = [
  'customer-service',
  'approver',
  'operator',
  'admin',
  'warehouse',
] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who may make each decision. Approvers must also be in the order's approver band (rules.ts). */
export const DECISION_ROLES: Record<AnyDecision, readonly Role[]> = {
  approve: ['approver', 'admin'],
  reject: ['approver', 'admin'],
  cancel: ['customer-service', 'operator', 'admin', 'storefront', 'customer'],
  'cancel-lines': ['customer-service', 'operator', 'admin', 'storefront', 'customer'],
  inspect: ['warehouse', 'admin'],
  'approve-refund': ['approver', 'admin'],
  'reject-refund': ['approver', 'admin'],
};

/** A signed decision is good for this long after it was issued: enough for a queue, too short to hoard. */
export const DECISION_TTL_MS = 5 * 60 * 1000;
/** Clocks differ: a decision issued up to this far in the workflow's future is still accepted. */
export const DECISION_CLOCK_SKEW_MS = 30 * 1000;

export interface DecisionClaims {
  /** The decision's subject: the order's id, or the rma id for a decision on a return (the field keeps its name: it is signed). */
  orderId: string;
  decision: AnyDecision;
  /** The authenticated user (a staff user name, or `storefront:<name>`). */
  by: string;
  role: Role;
  /** ISO-8601 time of signing. */
  issuedAt: string;
  /** Random, once per decision: the workflow refuses a nonce it has seen. */
  nonce: string;
  /** Which signing key (rotation): the workers hold the public half of each. */
  keyId: string;
  /** SHA-256 (base64url) of what the decision says (decisionSays): its note or reason cannot be swapped. */
  detail: string;
}

export interface SignedDecision extends DecisionClaims {
  /** Ed25519 over decisionMessage(claims), base64url. */
  signature: string;
}

const FIELDS = ['orderId', 'decision', 'by', 'role', 'issuedAt', 'nonce', 'keyId', 'detail'] as const;

/** What a decision says besides who made it, as one text: its note (approve) or reason, and for whom a cancel is. */
export function decisionSays(
  decision: AnyDecision,
  input: { note?: unknown; reason?: unknown; onBehalfOf?: unknown; lines?: unknown; skus?: unknown } | undefined,
): string {
  // Taking lines out says which lines, and why.
  if (decision === 'cancel-lines') return JSON.stringify([input?.skus ?? null, input?.reason ?? null]);
  // An inspection says its verdict, line by line.
  if (decision === 'inspect') return JSON.stringify(input?.lines ?? null);
  const text = decision === 'approve' ? input?.note : input?.reason;
  const forCustomer = decision === 'cancel' && input?.onBehalfOf === 'customer';
  return JSON.stringify([typeof text === 'string' ? text : null, forCustomer]);
}

/** The exact text that is signed: a fixed field order, so signer and verifier cannot disagree on JSON. */
export function decisionMessage(c: DecisionClaims): string {
  return `durable-orders/decision/v1\n${JSON.stringify(FIELDS.map((f) => c[f]))}`;
}

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** Why `proof` cannot stand for `decision` on `orderId` at `nowMs` (workflow time); undefined when its claims hold. */
export function whyNotValidClaims(
  proof: unknown,
  orderId: string,
  decision: AnyDecision,
  nowMs: number,
  seenNonces: readonly string[],
): string | undefined {
  if (proof === undefined || proof === null)
    return `an unsigned ${decision} is refused: it must carry a signed decision`;
  if (typeof proof !== 'object') return 'the signed decision must be an object';
  const p = proof as Record<string, unknown>;
  for (const f of [...FIELDS, 'signature'] as const)
    if (!isText(p[f], f === 'signature' ? 200 : 120)) return `the signed decision's "${f}" is missing or malformed`;
  if (p.orderId !== orderId) return `the signed decision is for order ${String(p.orderId)}, not ${orderId}`;
  if (p.decision !== decision) return `the signed decision is a ${String(p.decision)}, not a ${decision}`;
  if (!(DECISION_ROLES[decision] as readonly unknown[]).includes(p.role))
    return `role "${String(p.role)}" may not ${decision} ${(RETURN_DECISIONS as readonly string[]).includes(decision) ? 'after delivery' : 'an order'}`;
  const issued = Date.parse(p.issuedAt as string);
  if (Number.isNaN(issued)) return 'the signed decision\'s "issuedAt" is not a time';
  if (issued > nowMs + DECISION_CLOCK_SKEW_MS) return 'the signed decision was issued in the future';
  if (nowMs - issued > DECISION_TTL_MS) return `the signed decision expired (issued ${p.issuedAt as string})`;
  if (seenNonces.includes(p.nonce as string)) return 'the signed decision was already used (replayed nonce)';
  return undefined;
}

/** ` (approver, signed, client 123@host)`: the role a signed decision names, and the Temporal client it came from. */
export function provenance(role: string | undefined, identity: string | undefined): string {
  const parts = [...(role ? [role, 'signed'] : []), ...(identity ? [`client ${identity}`] : [])];
  return parts.length ? ` (${parts.join(', ')})` : '';
}
