/**
 * The payment provider seam: what the payments activities and the order placement call, whoever
 * answers (the sandbox in-process, its HTTP API, a real provider behind payments-http.ts).
 */
// ---------------------------------------------------------------------------------------------
// The provider seam. Every call carries an idempotency key (`<orderId>:<operation>`): a provider
// must answer a repeated key with the original outcome and never act twice. A call whose outcome
// is unknown (timeout, lost answer) throws; the activity's retry repeats it with the same key.
// ---------------------------------------------------------------------------------------------

export const PAYMENT_METHOD_ID = /^pm_[A-Za-z0-9]{1,64}$/;

export type PaymentOperation = 'authorize' | 'capture' | 'void' | 'refund';

export interface AuthorizeRequest {
  idempotencyKey: string;
  orderId: string;
  amountCents: number;
  currency: string;
  /** The provider's reference to the card (from its vault, when the order was placed). */
  paymentMethodId: string;
  /** How long the authorization may be captured. */
  windowMs: number;
}
export type AuthorizeResult =
  { status: 'approved'; authorizationId: string; expiresAt: Date | null } | { status: 'declined' };

export interface CaptureRequest {
  idempotencyKey: string;
  orderId: string;
  authorizationId: string;
  amountCents: number;
  currency: string;
}
export interface VoidRequest {
  idempotencyKey: string;
  orderId: string;
  authorizationId: string;
  amountCents: number;
  currency: string;
}
export interface RefundRequest {
  idempotencyKey: string;
  orderId: string;
  captureId: string;
  amountCents: number;
  currency: string;
}
export interface OperationResult {
  providerRef: string;
}
/** A void answers the void's reference, or that the authorization was captured (refund it instead). */
export type VoidResult = OperationResult | { captured: true };

/** What the provider holds under an idempotency key. */
export interface ProviderRecord {
  status: 'approved' | 'declined';
  amountCents: number;
  currency: string;
  providerRef: string | null;
  expiresAt: Date | null;
}

export interface SavePaymentMethodRequest {
  /** The card token from the payment form: stored by the provider's vault only, never by us. */
  token: string;
  /** A repeated key answers the same reference (`place:<orderId>`). */
  idempotencyKey: string;
}

export interface PaymentProvider {
  /** The vault: exchanges a card token for a reference that is safe to put in workflow input. */
  savePaymentMethod(req: SavePaymentMethodRequest): Promise<{ paymentMethodId: string }>;
  authorize(req: AuthorizeRequest): Promise<AuthorizeResult>;
  /** Refuses (AuthorizationVoided, non-retryable) an authorization that was voided. */
  capture(req: CaptureRequest): Promise<OperationResult>;
  /** Never voids a captured authorization: answers `{ captured: true }` instead. */
  void(req: VoidRequest): Promise<VoidResult>;
  refund(req: RefundRequest): Promise<OperationResult>;
  /** The provider's own record under `idempotencyKey`: the truth when our ledger missed an answer. */
  find(idempotencyKey: string): Promise<ProviderRecord | undefined>;
}
