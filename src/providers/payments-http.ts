/**
 * The payment provider over HTTP (src/infra/sandbox-payments-api.ts is the sandbox's server), behind
 * one resilience policy per worker process (resilience.ts). Every mutating call sends the
 * operation's idempotency key; a 503/504, no connection or no answer in time is a provider fault
 * (counted by the breaker, retried by Temporal with the same key); a 409 is the provider's
 * business refusal (AuthorizationVoided), non-retryable and not a fault.
 */
import { ApplicationFailure } from '@temporalio/common';
import type {
  AuthorizeResult,
  OperationResult,
  PaymentProvider,
  ProviderRecord,
  VoidResult,
} from '../../activities/payments';
import { ProviderUnavailable, resilient, type ProviderHealth, type ResilienceSettings } from './resilience';

export interface HttpPaymentProvider extends PaymentProvider {
  health(): ProviderHealth;
}

export function httpPaymentProvider(baseUrl: string, settings: ResilienceSettings): HttpPaymentProvider {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const policy = resilient('payments provider', settings);

  async function call<T>(method: 'GET' | 'POST', path: string, body?: object, key?: string): Promise<T | undefined> {
    return policy.run(async (signal) => {
      let res: Response;
      try {
        res = await fetch(new URL(path, base), {
          method,
          headers: { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal,
        });
      } catch (err) {
        if (signal.aborted) throw err; // the policy's timeout (resilience.ts) reports it
        throw new ProviderUnavailable(`cannot reach ${base} (${(err as Error).message})`);
      }
      const answer = (await res.json().catch(() => ({}))) as T & { error?: string; type?: string };
      if (res.ok) return answer;
      if (res.status === 404 && method === 'GET') return undefined;
      if (res.status === 504) throw new ProviderUnavailable(answer.error ?? 'answer lost', 'ProviderTimeout');
      if (res.status >= 500) throw new ProviderUnavailable(`HTTP ${res.status}: ${answer.error ?? 'no reason given'}`);
      // The provider refused the request itself: a retry cannot change that.
      throw ApplicationFailure.nonRetryable(answer.error ?? `HTTP ${res.status}`, answer.type ?? 'ProviderRefused');
    });
  }
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
