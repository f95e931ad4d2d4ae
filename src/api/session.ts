/**
 * Staff log in here: `POST /v1/session` with a name and password answers a session token (for
 * scripts and the `orders` CLI: `Authorization: Bearer dos_…`) and sets it as an HttpOnly,
 * SameSite=Strict cookie (for the console), with the CSRF token the console sends back. Attempts
 * are limited per address and name (@fastify/rate-limit), so a password cannot be guessed online.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { SESSION_COOKIE, principalOf } from './principal';
import { sendProblem } from './problem';
import { SESSION_TTL_MS, USERNAME, logIn, logOut } from './staff';

/** Login attempts per address and user name in LOGIN_WINDOW (then 429 with Retry-After). */
export const LOGIN_ATTEMPTS = 5;
const LOGIN_WINDOW = '1 minute';

const LoginBody = z.object({
  username: z
    .string()
    .regex(USERNAME, 'must be 2-40 lowercase letters, digits, ".", "_" or "-", starting with a letter'),
  password: z.string().min(1, 'is required').max(200, 'must be at most 200 characters'),
});

export const SESSION_COOKIE_OPTIONS = { path: '/', httpOnly: true, sameSite: 'strict' as const };

/** Per address and name: both the API's login and the console's form count against it. */
export const LOGIN_RATE_LIMIT = {
  max: LOGIN_ATTEMPTS,
  timeWindow: LOGIN_WINDOW,
  hook: 'preHandler' as const,
  keyGenerator: (request: FastifyRequest) =>
    `${request.ip}|${(request.body as { username?: string } | undefined)?.username ?? ''}`,
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
      config: {
        rateLimit: {
          max: LOGIN_ATTEMPTS,
          timeWindow: LOGIN_WINDOW,
          hook: 'preHandler',
          keyGenerator: (request) =>
            `${request.ip}|${(request.body as { username?: string } | undefined)?.username ?? ''}`,
        },
      },
    },
    async (request, reply) => {
      const session = await logIn(pool, request.body.username, request.body.password);
      if (!session)
        return sendProblem(reply, 401, 'Unauthorized', 'username or password: not a staff login that works');
      const { token, ...shown } = session;
      return reply
        .code(201)
        .setCookie(SESSION_COOKIE, token, { ...SESSION_COOKIE_OPTIONS, maxAge: SESSION_TTL_MS / 1000 })
        .send({ token, ...shown });
    },
  );
}

/** Who the session is, and logging out: behind the /v1 authentication. */
export function sessionRoutes(app: FastifyInstance, pool: Pool): void {
  app.get('/v1/session', { schema: { summary: 'Who this request is' } }, async (request) => {
    const who = principalOf(request);
    return who.kind === 'staff' ? { kind: 'staff', username: who.username, role: who.role } : who;
  });
  app.delete('/v1/session', { schema: { summary: 'Log out: the session ends' } }, async (request, reply) => {
    const who = principalOf(request);
    if (who.kind !== 'staff') return sendProblem(reply, 400, 'Bad request', 'Authorization: not a staff session');
    await logOut(pool, who.token);
    return reply.code(204).clearCookie(SESSION_COOKIE, SESSION_COOKIE_OPTIONS).send();
  });
}
