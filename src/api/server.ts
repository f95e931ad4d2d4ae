/**
 * The Orders API (issue 28): Fastify 5 with the domain's zod schemas, OpenAPI 3.1 at /openapi.json,
 * problem+json errors, and every /v1 route but the logins (password; OIDC when configured: oidc.ts)
 * behind a storefront API key or a staff session (principal.ts); decisions leave signed (decisions.ts).
 * Fastify for its schema-first routes and the zod type provider (fastify-type-provider-zod), so the
 * API validates with the same schemas, and the same messages, as the CLI.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import { formatZodError } from '../domain';
import { consoleRoutes, type ConsoleDeps } from './console/routes';
import { decisionRoutes } from './decisions';
import { refundRoutes } from './refunds';
import { returnRoutes } from './returns';
import { eventRoutes } from './events';
import { attentionRoutes } from './attention';
import { catalogRoutes } from './catalog';
import { orderRoutes, type OrdersApiDeps } from './orders';
import { oidcRoutes } from './oidc';
import { authenticate } from './principal';
import { sendProblem } from './problem';
import { loginRoute, sessionRoutes } from './session';

export type ApiDeps = OrdersApiDeps & ConsoleDeps;

/** Request bodies above this are refused (413): an order of 1,000 lines fits many times over. */
const BODY_LIMIT_BYTES = 256 * 1024;

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(cookie);
  // Secure headers on every answer; the console's pages load nothing but their own stylesheet.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'durable-orders Orders API', version: '1' },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A storefront API key (dok_…) or a staff session token (dos_…)',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'dos_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.setErrorHandler((err, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      // A body: the same rules and words as the CLI (the route's domain schema, the domain's formatter).
      const schema = request.routeOptions.schema?.body as ZodType | undefined;
      const parsed = err.validationContext === 'body' ? schema?.safeParse(request.body) : undefined;
      const detail =
        parsed && !parsed.success
          ? formatZodError(parsed.error)
          : err.validation
              .map((v) => `${v.instancePath.replace(/^\//, '').replace(/\//g, '.')}: ${v.message}`)
              .join('; ');
      return sendProblem(reply, 400, 'Invalid request', detail);
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 413) return sendProblem(reply, 413, 'Body too large', `body: at most ${BODY_LIMIT_BYTES} bytes`);
    if (status === 429) return sendProblem(reply, 429, 'Too many requests', (err as Error).message);
    if (status && status >= 400 && status < 500)
      return sendProblem(reply, status, 'Bad request', (err as Error).message);
    request.log.error(err);
    return sendProblem(reply, 500, 'Internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'Not found', `no route ${request.method} ${request.url}`),
  );
  await app.register(async (open) => {
    loginRoute(open, deps.pool);
    if (deps.oidc) oidcRoutes(open, deps.pool, deps.oidc);
  });
  // The credential check belongs to the /v1 routes themselves (a hook of their plugin), not to a
  // test of the URL's text: whatever spelling of a path reaches a /v1 route has passed it.
  await app.register(async (v1) => {
    v1.addHook('onRequest', (request, reply) => authenticate(deps.pool, request, reply));
    sessionRoutes(v1, deps.pool);
    orderRoutes(v1, deps);
    decisionRoutes(v1, deps);
    returnRoutes(v1, deps);
    refundRoutes(v1, deps);
    eventRoutes(v1, deps);
    attentionRoutes(v1, deps);
    catalogRoutes(v1, deps);
  });
  await app.register(async (pages) => consoleRoutes(pages, deps));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Interactive docs of the same document (@fastify/swagger-ui: its own assets, its own CSP).
  // Swagger UI styles its widgets inline: its pages (and only they, with no user data on them) allow that.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiHooks: {
      onRequest: (_request, reply, done) => {
        reply.header(
          'content-security-policy',
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        );
        done();
      },
    },
  });
  return app;
}
