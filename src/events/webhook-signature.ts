/**
 * The carrier webhook's signature, the way payment providers and carriers sign theirs (Stripe's
 * scheme): `Carrier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The time is inside the signed text, so an old request cannot be replayed past the tolerance; an
 * event replayed within it is a duplicate to the inbox (its event id).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'carrier-signature';
/** How old a signed request may be (and how far ahead a sender's clock). */
export const SIGNATURE_TOLERANCE_S = 300;

/** The header value a sender puts on `body` (the sandbox and tests sign with it). */
export function signWebhookBody(secret: string, body: string, at = new Date()): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Why `header` is not a good signature of `body` now; undefined when it is. */
export function whyNotSigned(
  secret: string,
  header: string | undefined,
  /** The body's bytes as they came. */
  body: Buffer | string,
  now = new Date(),
): string | undefined {
  if (!header) return `${SIGNATURE_HEADER}: required (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">)`;
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(given))
    return `${SIGNATURE_HEADER}: malformed (t=<unix seconds>,v1=<64 hex digits>)`;
  if (Math.abs(now.getTime() / 1000 - t) > SIGNATURE_TOLERANCE_S)
    return `${SIGNATURE_HEADER}: t is more than ${SIGNATURE_TOLERANCE_S} s from now (a replay, or a clock to fix)`;
  const wanted = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  return timingSafeEqual(wanted, Buffer.from(given, 'hex'))
    ? undefined
    : `${SIGNATURE_HEADER}: does not match the body`;
}

/** Whether a bind address is this machine's loopback (the only place an unsigned webhook may listen). */
export function isLoopback(host: string | undefined): boolean {
  return host === undefined || host === 'localhost' || host === '::1' || /^127\./.test(host);
}
