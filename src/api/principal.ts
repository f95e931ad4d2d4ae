/**
 * Who a request is, from credentials the API checked: a storefront's API key (`Bearer dok_…`), or
 * a staff session (`Bearer dos_…` for scripts and the CLI, or the HttpOnly session cookie a
 * browser holds). A cookie is sent by the browser on its own, so a change made with one must
 * also carry the session's CSRF token in `X-CSRF-Token`; a bearer token is never sent unasked.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { storefrontOf } from './keys';
import { sendProblem } from './problem';
import { sessionOf, type StaffRole, type StaffSession } from './staff';

export type Principal =
  | { kind: 'storefront'; storefront: string; token: string }
  | { kind: 'staff'; username: string; role: StaffRole; token: string }
  /** A customer's own account: the orders of its customer id, read only. */
  | { kind: 'customer'; username: string; customerId: string; token: string };

/** Who a live session (its token) is. */
export function principalOfSession(session: StaffSession, token: string): Principal {
  return session.role === 'customer'
    ? { kind: 'customer', username: session.username, customerId: session.customerId, token }
    : { kind: 'staff', username: session.username, role: session.role, token };
}

/** Whether `who` is staff in one of `roles`. */
export const staffIn = (who: Principal, roles: readonly string[]): boolean =>
  who.kind === 'staff' && roles.includes(who.role);

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authenticate() on every /v1 route but the login. */
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'dos_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const principalOf = (request: FastifyRequest): Principal => request.principal!;

const digest = (text: string) => createHash('sha256').update(text).digest();
/** Whether a presented secret (a CSRF token) is the expected one, in time that does not tell how close it was. */
export function sameSecret(presented: unknown, expected: string): boolean {
  return typeof presented === 'string' && timingSafeEqual(digest(presented), digest(expected));
}

/** The onRequest hook of the /v1 routes: a 401 without good credentials, a 403 for a cookie change without its CSRF token. */
export async function authenticate(pool: Pool, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const auth = request.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const cookie = bearer === undefined ? request.cookies[SESSION_COOKIE] : undefined;
  if (bearer?.startsWith('dok_')) {
    const storefront = await storefrontOf(pool, bearer);
    if (storefront) request.principal = { kind: 'storefront', storefront, token: bearer };
  } else {
    const token = bearer ?? cookie;
    const session = token === undefined ? undefined : await sessionOf(pool, token);
    if (session && token) {
      if (
        cookie &&
        !SAFE_METHODS.has(request.method) &&
        !sameSecret(request.headers['x-csrf-token'], session.csrfToken)
      )
        return sendProblem(
          reply,
          403,
          'Forbidden',
          'X-CSRF-Token: required with the session cookie, and must match it',
        );
      request.principal = principalOfSession(session, token);
    }
  }
  if (!request.principal)
    return sendProblem(
      reply.header('www-authenticate', 'Bearer'),
      401,
      'Unauthorized',
      'Authorization: a storefront API key (Bearer dok_...) or a staff session (POST /v1/session) is required',
    );
  return undefined;
}

/** Whether the credentials `who` came with still hold (a long stream asks again: a key disabled, a session ended). */
export async function stillValid(pool: Pool, who: Principal): Promise<boolean> {
  return who.kind === 'storefront'
    ? (await storefrontOf(pool, who.token)) === who.storefront
    : (await sessionOf(pool, who.token)) !== undefined;
}
