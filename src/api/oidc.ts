/**
 * Optional sign-in through the company's identity provider (OIDC_ISSUER; off without it): the
 * authorization code flow with PKCE, state and nonce, checked by openid-client (5.x: docs/api.md
 * says why not 6). The provider proves who a person is; whether they come in, and as what, is
 * ours: the ID token's `preferred_username` must name an enabled staff user, and the role is that
 * user's in staff_users, whatever the token claims. The first sign-in binds the user to the
 * provider's subject (`sub`), which later sign-ins must match. The session is the password login's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Issuer, custom, errors, generators, type BaseClient, type IdTokenClaims } from 'openid-client';
import type { Pool } from 'pg';
import type { OidcSettings } from '../config';
import { html, page } from './console/html';
import { sendLoginPage } from './console/routes';
import { SESSION_COOKIE } from './principal';
import { sendProblem } from './problem';
import { LOGIN_RATE_LIMIT, sessionCookie } from './session';
import { SESSION_TTL_MS, USERNAME, bindOidcSubject, createSession } from './staff';

const START_PATH = '/v1/session/oidc';
/** State, nonce and PKCE verifier of a sign-in under way, in this browser only. */
const FLOW_COOKIE = 'dos_oidc';
/** Long enough to type a password and a second factor at the provider. */
const FLOW_TTL_S = 600;
/** Seconds of clock skew between us and the provider that an ID token's times may show. */
const CLOCK_TOLERANCE_S = 5;

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * SameSite=Lax, unlike the session cookie: the provider sends the browser back with a cross-site
 * navigation, which carries Lax cookies and not Strict ones. Scoped to these two routes.
 */
const flowCookie = (request: FastifyRequest) => ({
  path: START_PATH,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: request.protocol === 'https',
});

const encodeFlow = (flow: Flow) => [flow.state, flow.nonce, flow.verifier].join('.');

function decodeFlow(value: string | undefined): Flow | undefined {
  const parts = value?.split('.') ?? [];
  if (parts.length !== 3 || !parts.every((p) => /^[\w-]{32,128}$/.test(p))) return undefined;
  const [state, nonce, verifier] = parts as [string, string, string];
  return { state, nonce, verifier };
}

/**
 * The provider's client, discovered at the first sign-in rather than at start: the API serves
 * storefronts and password logins while the provider is down. A failed discovery is tried again.
 */
function lazyClient(settings: OidcSettings): () => Promise<BaseClient> {
  let client: Promise<BaseClient> | undefined;
  return () =>
    (client ??= Issuer.discover(settings.issuer).then(
      (issuer) => {
        const made = new issuer.Client({
          client_id: settings.clientId,
          client_secret: settings.clientSecret,
          redirect_uris: [settings.redirectUrl],
          response_types: ['code'],
        });
        made[custom.clock_tolerance] = CLOCK_TOLERANCE_S;
        return made;
      },
      (err: unknown) => {
        client = undefined;
        throw err;
      },
    ));
}

/** A refused sign-in: the console's login page for a browser, problem+json for anything else. */
function refuse(request: FastifyRequest, reply: FastifyReply, status: number, detail: string): FastifyReply {
  if (/\btext\/html\b/.test(request.headers.accept ?? ''))
    return sendLoginPage(request, reply, { status, error: `Company sign-in refused: ${detail}`, offerOidc: true });
  return sendProblem(reply, status, status === 403 ? 'Forbidden' : 'Bad gateway', detail);
}

const UNREACHABLE = 'OIDC_ISSUER: the identity provider could not be reached; try again, or log in with a password';

/** What went wrong in openid-client's checks or the provider's answers, without echoing tokens or values. */
function refusalOf(err: unknown): [number, string] {
  if (err instanceof errors.OPError) {
    const code = /^[\w.-]{1,60}$/.test(err.error ?? '') ? err.error : 'an error';
    return [403, `code: the identity provider refused the sign-in (${code})`];
  }
  if (err instanceof errors.RPError)
    return [403, 'id_token: did not verify (issuer, audience, signature, nonce or time); start again'];
  return [502, UNREACHABLE];
}

/** The staff user an ID token names: by `preferred_username` only (an e-mail address is not a user name here). */
const usernameOf = (claims: IdTokenClaims) =>
  typeof claims.preferred_username === 'string' && USERNAME.test(claims.preferred_username)
    ? claims.preferred_username
    : undefined;

/**
 * Signed in: the session cookie, then a page that moves on to /console. Not a redirect: this
 * answer ends a chain that began at the provider, and a browser sends no SameSite=Strict cookie
 * along such a chain, so /console would see no session; the page's own navigation is same-site.
 */
function signedIn(request: FastifyRequest, reply: FastifyReply, token: string): FastifyReply {
  return reply
    .setCookie(SESSION_COOKIE, token, { ...sessionCookie(request), maxAge: SESSION_TTL_MS / 1000 })
    .type('text/html; charset=utf-8')
    .send(page('Signed in', html`<p><a href="/console">Continue to the console</a></p>`, { next: '/console' }));
}

/** GET /v1/session/oidc and its callback: outside the /v1 authentication, rate-limited like the login. */
export function oidcRoutes(app: FastifyInstance, pool: Pool, settings: OidcSettings): void {
  const client = lazyClient(settings);
  app.get(
    START_PATH,
    {
      schema: { summary: 'Sign in with the company identity provider (a browser is sent there)', security: [] },
      config: { rateLimit: LOGIN_RATE_LIMIT },
    },
    async (request, reply) => {
      const provider = await client().catch(() => undefined);
      if (!provider) return refuse(request, reply, 502, UNREACHABLE);
      const flow = { state: generators.state(), nonce: generators.nonce(), verifier: generators.codeVerifier() };
      const url = provider.authorizationUrl({
        scope: 'openid profile',
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: generators.codeChallenge(flow.verifier),
        code_challenge_method: 'S256',
      });
      return reply
        .setCookie(FLOW_COOKIE, encodeFlow(flow), { ...flowCookie(request), maxAge: FLOW_TTL_S })
        .redirect(url, 303);
    },
  );
  app.get(
    `${START_PATH}/callback`,
    {
      schema: { summary: 'Where the identity provider sends the browser back: a staff session', security: [] },
      config: { rateLimit: LOGIN_RATE_LIMIT },
    },
    async (request, reply) => {
      const flow = decodeFlow(request.cookies[FLOW_COOKIE]);
      reply.clearCookie(FLOW_COOKIE, flowCookie(request)); // one try per sign-in
      if (!flow) return refuse(request, reply, 403, 'state: no sign-in under way in this browser (or it expired)');
      const provider = await client().catch(() => undefined);
      if (!provider) return refuse(request, reply, 502, UNREACHABLE);
      const params = provider.callbackParams(request.raw);
      // openid-client checks it too; checked here first to say which part was wrong.
      if (params.state !== flow.state)
        return refuse(request, reply, 403, 'state: does not match the sign-in this browser started');
      const checks = { state: flow.state, nonce: flow.nonce, code_verifier: flow.verifier };
      const claims = await provider.callback(settings.redirectUrl, params, checks).then(
        (tokens) => tokens.claims(),
        (err: unknown) => refusalOf(err),
      );
      if (Array.isArray(claims)) return refuse(request, reply, ...claims);
      const username = usernameOf(claims);
      // The name can be renamed or reused at the provider; its subject cannot: the first sign-in binds it.
      const bound = username ? await bindOidcSubject(pool, username, `${settings.issuer}#${claims.sub}`) : 'none';
      if (bound === 'other')
        return refuse(
          request,
          reply,
          403,
          `sub: staff user ${username} signs in with another company account (an admin can reset that: orders users unbind ${username})`,
        );
      const session = bound === 'bound' ? await createSession(pool, username!, { staffOnly: true }) : undefined;
      if (!session)
        return refuse(request, reply, 403, 'preferred_username: names no enabled staff user (ask an admin to add you)');
      return signedIn(request, reply, session.token);
    },
  );
}
