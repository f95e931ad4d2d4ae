/**
 * One JSON call to a provider's HTTP API through its resilience policy, with the answers mapped the
 * same way for every provider: a 503/504, no connection or no answer in time is a provider fault
 * (counted by the breaker, retried by Temporal with the same idempotency key); "not now" (408, 425,
 * 429, and a 409 that is not one of our typed refusals: "a request with this key is in progress")
 * is retried after the provider's Retry-After, not counted as a fault; any other 4xx is the
 * provider's refusal, non-retryable; a GET's 404 is "none".
 */
import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../domain';
import { ProviderUnavailable, type Resilient } from './resilience';

/** "Not now": the request did nothing and may be sent again with the same key. */
const NOT_NOW = new Set([408, 409, 425, 429]);
/** Refusals the providers type (a capture of a voided authorization, ...): final even as a 409. */
const TYPED_REFUSALS: ReadonlySet<string> = new Set(Object.values(ERROR_TYPES));
const DEFAULT_RETRY_AFTER_MS = 1_000;
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** Retry-After as seconds or an HTTP date, in ms (bounded); the default when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  const value = header?.trim() ?? '';
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : value ? Date.parse(value) - now : NaN;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : DEFAULT_RETRY_AFTER_MS;
}

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
      if (NOT_NOW.has(res.status) && !(answer.type && TYPED_REFUSALS.has(answer.type)))
        throw ApplicationFailure.create({
          type: 'ProviderNotNow',
          message: `HTTP ${res.status}: ${answer.error ?? 'not now'}`,
          nextRetryDelay: retryAfterMs(res.headers.get('retry-after')),
        });
      // The provider refused the request itself: a retry cannot change that.
      throw ApplicationFailure.nonRetryable(answer.error ?? `HTTP ${res.status}`, answer.type ?? 'ProviderRefused');
    });
  };
}
