/**
 * One JSON call to a provider's HTTP API through its resilience policy, with the answers mapped the
 * same way for every provider: a 503/504, no connection or no answer in time is a provider fault
 * (counted by the breaker, retried by Temporal with the same idempotency key); a 4xx is the
 * provider's refusal, non-retryable and not a fault; a GET's 404 is "none".
 */
import { ApplicationFailure } from '@temporalio/common';
import { ProviderUnavailable, type Resilient } from './resilience';

export type JsonCall = <T>(method: 'GET' | 'POST', path: string, body?: object, key?: string) => Promise<T | undefined>;

/** `baseUrl` with or without its trailing slash: paths are resolved below it either way. */
export function jsonCaller(baseUrl: string, policy: Resilient): JsonCall {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async function call<T>(method: 'GET' | 'POST', path: string, body?: object, key?: string) {
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
  };
}
