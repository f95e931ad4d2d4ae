/**
 * The sandbox payment provider as an HTTP service, as a card processor's API would be. Every
 * mutating call carries an `Idempotency-Key` header; a repeated key answers the recorded outcome.
 *
 * - `POST /v1/payment-methods` `{token}` → 201 `{id: "pm_…"}`: the vault (placing an order calls it)
 * - `POST /v1/authorizations` `{orderId, amountCents, currency, paymentMethodId, windowMs}` →
 *   200 `{status: "approved", authorizationId, expiresAt}` or `{status: "declined"}`
 * - `POST /v1/captures`, `/v1/voids` `{orderId, authorizationId, amountCents, currency}`,
 *   `/v1/refunds` `{orderId, captureId, amountCents, currency}` → 200 `{providerRef}` (a void of a
 *   captured authorization: `{captured: true}`); 409 `{type: "AuthorizationVoided"}` for a capture
 *   of a voided one
 * - `GET /v1/operations/<idempotency key>` → 200 the record, 404 none
 * - `GET|POST|DELETE /admin/faults`: faults on demand for the payment calls above (not the vault),
 *   `{errorRate, latencyMs, outageMs}` (src/providers/sandbox/faults.ts)
 *
 * 503 means "nothing happened, retry with the same key"; 504 "it may have happened: retry with the
 * same key to learn the outcome" (tok_flaky). `npm start` serves it on loopback (PAYMENTS_API_PORT).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { PaymentProvider } from '../payments';
import { PROVIDER_TIMEOUT } from './payments';
import { PaymentSchema, formatZodError } from '../../domain';
import type { Listening } from '../../runtime/http-listen';
import { FaultInjector } from './faults';
import {
  faultsAdmin,
  HttpError,
  idempotencyKey,
  injectFault,
  parse,
  readJson,
  reply,
  requirePost,
  serveJson,
} from './http';

export interface RunningPaymentsApi extends Listening {
  faults: FaultInjector;
}

const Id = z.string().regex(/^[\w:.-]{1,200}$/);
const Amount = { amountCents: z.number().int().positive(), currency: z.string().regex(/^[A-Z]{3}$/) };
const Schemas = {
  authorizations: z.strictObject({
    orderId: Id,
    ...Amount,
    paymentMethodId: z.string().min(1).max(100),
    windowMs: z.number().int().positive(),
  }),
  captures: z.strictObject({ orderId: Id, authorizationId: Id, ...Amount }),
  voids: z.strictObject({ orderId: Id, authorizationId: Id, ...Amount }),
  refunds: z.strictObject({ orderId: Id, captureId: Id, ...Amount }),
};

/** The provider's typed refusals become HTTP answers a client can map back. */
function providerError(err: unknown): HttpError | undefined {
  if (!(err instanceof ApplicationFailure)) return undefined;
  if (err.type === PROVIDER_TIMEOUT) return new HttpError(504, { error: err.message, type: err.type });
  if (err.nonRetryable) return new HttpError(409, { error: err.message, type: err.type });
  return undefined;
}

export function startSandboxPaymentsApi(opts: {
  provider: PaymentProvider;
  port: number;
  host?: string;
  faults?: FaultInjector;
}): Promise<RunningPaymentsApi> {
  const { provider } = opts;
  const faults = opts.faults ?? new FaultInjector();

  async function payments(req: IncomingMessage, path: string): Promise<[number, object]> {
    if (req.method === 'GET' && path.startsWith('/v1/operations/')) {
      const record = await provider.find(decodeURIComponent(path.slice('/v1/operations/'.length)));
      return record ? [200, record] : [404, { error: 'no operation under that key' }];
    }
    requirePost(req);
    const key = idempotencyKey(req);
    const body = await readJson(req);
    switch (path) {
      case '/v1/authorizations':
        return [200, await provider.authorize({ ...parse(Schemas.authorizations, body), idempotencyKey: key })];
      case '/v1/captures':
        return [200, await provider.capture({ ...parse(Schemas.captures, body), idempotencyKey: key })];
      case '/v1/voids':
        return [200, await provider.void({ ...parse(Schemas.voids, body), idempotencyKey: key })];
      case '/v1/refunds':
        return [200, await provider.refund({ ...parse(Schemas.refunds, body), idempotencyKey: key })];
    }
    throw new HttpError(404, { error: `not found: ${path}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://api').pathname;
    if (await faultsAdmin(req, res, path, faults)) return;
    if (path === '/v1/payment-methods') {
      requirePost(req);
      const key = idempotencyKey(req);
      const body = await readJson(req);
      // The same rule as the order schema's payment.token (never echoes the value).
      const parsed = PaymentSchema.shape.token.safeParse((body as { token?: unknown } | undefined)?.token);
      if (!parsed.success)
        throw new HttpError(400, {
          error: formatZodError({ issues: parsed.error.issues.map((i) => ({ ...i, path: ['token'] })) }),
        });
      const { paymentMethodId } = await provider.savePaymentMethod({ token: parsed.data, idempotencyKey: key });
      return reply(res, 201, { id: paymentMethodId });
    }
    if (!path.startsWith('/v1/')) throw new HttpError(404, { error: `not found: ${path}` });
    await injectFault(faults);
    const [status, body] = await payments(req, path);
    reply(res, status, body);
  }

  return serveJson(handle, opts.port, opts.host, providerError).then((listening) => ({ ...listening, faults }));
}
