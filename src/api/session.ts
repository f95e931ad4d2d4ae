/**
 * Staff log in here: `POST /v1/session` with a name and password answers a session token (for
 * scripts and the `orders` CLI: `Authorization: Bearer dos_…`) and sets it as an HttpOnly,
 * SameSite=Strict cookie (for the console), with the CSRF token the console sends back. A name
 * takes five wrong passwords a minute (counted in PostgreSQL: staff.ts), an address 30 attempts a
 * minute per login route (@fastify/rate-limit: a bound on the argon2 work one caller can cause).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { SESSION_COOKIE, principalOf } from './principal';
import { sendProblem } from './problem';
import { LOGIN_WINDOW_S, SESSION_TTL_MS, USERNAME, logIn, logOut } from './staff';

export { LOGIN_ATTEMPTS } from './staff';

const LoginBody = z.object({
  username: z
    .string()
    .regex(USERNAME, 'must be 2-40 lowercase letters, digits, ".", "_" or "-", starting with a letter'),
  password: z.string().min(1, 'is required').max(200, 'must be at most 200 characters'),
});

/** The session cookie: never readable by scripts, never sent cross-site, and only over TLS when served over it. */
export const sessionCookie = (request: FastifyRequest) => ({
  path: '/',
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: request.protocol === 'https',
});

/** Per address, on each login route (the per-name count is staff.ts's). */
export const LOGIN_RATE_LIMIT = {
  max: 30,
  timeWindow: '1 minute',
  keyGenerator: (request: FastifyRequest) => request.ip,
};

/** The login route: outside the /v1 authentication, rate-limited. */
export function loginRoute(app: FastifyInstance, pool: Pool): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/session',
    {
      schema: {
        summary: 'Log in as a staff user: a session token, and the same as a cookie',
        body: LoginBody,
        security: [],
      },
      config: { rateLimit: LOGIN_RATE_LIMIT },
    },
    async (request, reply) => {
      const session = await logIn(pool, request.body.username, request.body.password);
      if (session === 'limited')
        return sendProblem(
          reply.header('retry-after', String(LOGIN_WINDOW_S)),
          429,
          'Too many requests',
          `username: too many wrong passwords; try again in ${LOGIN_WINDOW_S} s`,
        );
      if (session === 'wrong')
        return sendProblem(reply, 401, 'Unauthorized', 'username or password: not a staff login that works');
      const { token, ...shown } = session;
      return reply
        .code(201)
        .setCookie(SESSION_COOKIE, token, { ...sessionCookie(request), maxAge: SESSION_TTL_MS / 1000 })
        .send({ token, ...shown });
    },
  );
}

/** Who the session is, and logging out: behind the /v1 authentication. */
export function sessionRoutes(app: FastifyInstance, pool: Pool): void {
  app.get('/v1/session', { schema: { summary: 'Who this request is' } }, async (request) => {
    const who = principalOf(request);
    if (who.kind === 'staff') return { kind: 'staff', username: who.username, role: who.role };
    if (who.kind === 'customer') return { kind: 'customer', username: who.username, customerId: who.customerId };
    return { kind: 'storefront', storefront: who.storefront };
  });
  app.delete('/v1/session', { schema: { summary: 'Log out: the session ends' } }, async (request, reply) => {
    const who = principalOf(request);
    if (who.kind === 'storefront')
      return sendProblem(reply, 400, 'Bad request', 'Authorization: an API key, not a session');
    await logOut(pool, who.token);
    return reply.code(204).clearCookie(SESSION_COOKIE, sessionCookie(request)).send();
  });
}
