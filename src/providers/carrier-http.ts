/**
 * The carrier's booking desk over HTTP (src/providers/sandbox/carrier-api.ts is the sandbox's server),
 * behind one resilience policy per worker process, like the payment provider.
 */
import type { CarrierProvider } from './carrier';
import { jsonCaller } from './http-client';
import { resilient, type ProviderHealth, type ResilienceSettings } from './resilience';

export interface HttpCarrier extends CarrierProvider {
  health(): ProviderHealth;
}

export function httpCarrier(baseUrl: string, settings: ResilienceSettings): HttpCarrier {
  const policy = resilient('carrier', settings);
  const call = jsonCaller(baseUrl, policy);
  return {
    async book({ idempotencyKey, ...req }) {
      return (await call<{ carrierRef: string }>('POST', 'v1/shipments', req, idempotencyKey))!;
    },
    async cancel({ carrierRef, idempotencyKey }) {
      const path = `v1/shipments/${encodeURIComponent(carrierRef)}/cancel`;
      return (await call<{ cancelled: boolean }>('POST', path, {}, idempotencyKey))!;
    },
    health: policy.health,
  };
}
