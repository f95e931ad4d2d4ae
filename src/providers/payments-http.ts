/**
 * The payment provider over HTTP (src/providers/sandbox/payments-api.ts is the sandbox's server), behind
 * one resilience policy per worker process (resilience.ts). Every mutating call sends the
 * operation's idempotency key; a 503/504, no connection or no answer in time is a provider fault
 * (counted by the breaker, retried by Temporal with the same key); a 409 is the provider's
 * business refusal (AuthorizationVoided), non-retryable and not a fault.
 */
import type { AuthorizeResult, OperationResult, PaymentProvider, ProviderRecord, VoidResult } from './payments';
import { jsonCaller } from './http-client';
import { resilient, type ProviderHealth, type ResilienceSettings } from './resilience';

export interface HttpPaymentProvider extends PaymentProvider {
  health(): ProviderHealth;
}

export function httpPaymentProvider(baseUrl: string, settings: ResilienceSettings): HttpPaymentProvider {
  const policy = resilient('payments provider', settings);
  const call = jsonCaller(baseUrl, policy);
  const post = async <T>(path: string, key: string, body: object): Promise<T> =>
    (await call<T>('POST', path, body, key))!;
  const date = (v: unknown) => (typeof v === 'string' ? new Date(v) : null);

  return {
    async savePaymentMethod({ token, idempotencyKey }) {
      const { id } = await post<{ id: string }>('v1/payment-methods', idempotencyKey, { token });
      return { paymentMethodId: id };
    },
    async authorize({ idempotencyKey, ...req }) {
      const r = await post<AuthorizeResult & { expiresAt?: string | null }>('v1/authorizations', idempotencyKey, req);
      return r.status === 'approved' ? { ...r, expiresAt: date(r.expiresAt) } : { status: 'declined' };
    },
    capture: ({ idempotencyKey, ...req }) => post<OperationResult>('v1/captures', idempotencyKey, req),
    void: ({ idempotencyKey, ...req }) => post<VoidResult>('v1/voids', idempotencyKey, req),
    refund: ({ idempotencyKey, ...req }) => post<OperationResult>('v1/refunds', idempotencyKey, req),
    async find(idempotencyKey) {
      const r = await call<ProviderRecord & { expiresAt?: string | null }>(
        'GET',
        `v1/operations/${encodeURIComponent(idempotencyKey)}`,
      );
      return r && { ...r, expiresAt: date(r.expiresAt) };
    },
    health: policy.health,
  };
}
