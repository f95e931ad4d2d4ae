/**
 * The Orders API (issue 28, first step): Fastify 5 with the domain's zod schemas, OpenAPI 3.1 at
 * /openapi.json, problem+json errors, and every /v1 route behind a storefront API key.
 * Fastify for its schema-first routes and the zod type provider (fastify-type-provider-zod), so the
 * API validates with the same schemas, and the same messages, as the CLI.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { OrderInputSchema, formatZodError } from '../domain';
import { storefrontOf } from './keys';
import { orderRoutes, type OrdersApiDeps } from './orders';
import { sendProblem } from './problem';

declare module 'fastify' {
  interface FastifyRequest {
    /** The storefront whose API key the request carried (every /v1 route requires one). */
    storefront?: string;
  }
}

/** Request bodies above this are refused (413): an order of 1,000 lines fits many times over. */
const BODY_LIMIT_BYTES = 256 * 1024;

export async function buildApi(deps: OrdersApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'durable-orders Orders API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.setErrorHandler((err, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      // A body: the same rules and words as the CLI (the domain's schema, its formatter).
      const parsed = err.validationContext === 'body' ? OrderInputSchema.safeParse(request.body) : undefined;
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
    if (status && status >= 400 && status < 500)
      return sendProblem(reply, status, 'Bad request', (err as Error).message);
    request.log.error(err);
    return sendProblem(reply, 500, 'Internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'Not found', `no route ${request.method} ${request.url}`),
  );
  // The key check belongs to the /v1 routes themselves (a hook of their plugin), not to a test of
  // the URL's text: whatever spelling of a path reaches a /v1 route has passed it.
  await app.register(async (v1) => {
    v1.addHook('onRequest', async (request, reply) => {
      const auth = request.headers.authorization;
      request.storefront = await storefrontOf(deps.pool, auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
      if (!request.storefront)
        return sendProblem(
          reply.header('www-authenticate', 'Bearer'),
          401,
          'Unauthorized',
          'Authorization: a storefront API key is required (Bearer dok_...)',
        );
    });
    orderRoutes(v1, deps);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
