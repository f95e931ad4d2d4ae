/**
 * The placer's side of the card vault: a card token goes to the payment provider's vault and a
 * payment-method reference comes back; only the reference goes into the order's workflow input.
 * Over HTTP to the sandbox payments API (`npm start` serves it; PAYMENTS_URL), or any function of
 * the same shape (the chaos runner calls the sandbox provider in-process).
 */
import { createHash } from 'node:crypto';
import type { PaymentProvider } from '../providers/payments';

export type PaymentMethodVault = (token: string, idempotencyKey: string) => Promise<string>;

/**
 * The vault's idempotency key for placing `orderId` with this card: the same order and card get the
 * same reference (a retried placement), another card a new one. Keyed by the order alone, an order
 * placed again with card B after a failed start with card A was charged to A. A digest of the
 * token, not the token: the key travels in headers and provider rows.
 */
export function vaultKey(orderId: string, token: string): string {
  return `place:${orderId}:${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
}

/** The vault of a provider in this process (chaos and bench runners; npm start serves it over HTTP). */
export function providerVault(provider: Pick<PaymentProvider, 'savePaymentMethod'>): PaymentMethodVault {
  return async (token, idempotencyKey) => (await provider.savePaymentMethod({ token, idempotencyKey })).paymentMethodId;
}

/** The payments API cannot be reached or failed: nothing was started (exit 1 on the CLI). */
export class PaymentsUnavailable extends Error {}

const TIMEOUT_MS = 10_000;

export function httpPaymentMethodVault(baseUrl: string): PaymentMethodVault {
  const url = new URL('v1/payment-methods', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  return async (token, idempotencyKey) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
        body: JSON.stringify({ token }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new PaymentsUnavailable(
        `Cannot reach the payments API at ${url.origin} (${(err as Error).message}); nothing was started. ` +
          'Start the stack with `npm start`, or set PAYMENTS_URL.',
      );
    }
    const body = (await res.json().catch(() => ({}))) as { id?: unknown; error?: unknown };
    if (res.status !== 201 && res.status !== 200)
      throw new PaymentsUnavailable(
        `The payments API answered HTTP ${res.status} (${String(body.error ?? 'no reason given')}); nothing was started.`,
      );
    if (typeof body.id !== 'string') throw new PaymentsUnavailable('The payments API answered without a reference.');
    return body.id;
  };
}
