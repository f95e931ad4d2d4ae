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
 *   `{errorRate, latencyMs, outageMs}` (src/infra/sandbox-faults.ts)
 *
 * 503 means "nothing happened, retry with the same key"; 504 "it may have happened: retry with the
 * same key to learn the outcome" (tok_flaky). `npm start` serves it on loopback (PAYMENTS_API_PORT).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { PaymentProvider } from '../../activities/payments';
import { PROVIDER_TIMEOUT } from '../../activities/payments-sandbox';
import { PaymentSchema, formatZodError } from '../domain';
import { listen, type Listening } from './http-listen';
import { FaultInjector, FaultSettingsSchema } from './sandbox-faults';

export interface RunningPaymentsApi extends Listening {
  faults: FaultInjector;
}

const MAX_BODY_BYTES = 16 * 1024;
const IDEMPOTENCY_KEY = /^[\w:.-]{1,200}$/;

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

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {
    super(`HTTP ${status}`);
  }
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let body = '';
  for await (const chunk of req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > MAX_BODY_BYTES) throw new HttpError(413, { error: `body: larger than ${MAX_BODY_BYTES} bytes` });
  }
  try {
    return body === '' ? {} : JSON.parse(body);
  } catch {
    throw new HttpError(400, { error: 'body: not JSON' });
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, { error: formatZodError(parsed.error) });
  return parsed.data;
}

function idempotencyKey(req: IncomingMessage): string {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
    throw new HttpError(400, { error: 'Idempotency-Key: required, 1-200 letters, digits, "_", ":", "." or "-"' });
  return key;
}

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
    if (req.method !== 'POST') throw new HttpError(405, { error: `${req.method} not allowed: use POST` });
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
    if (path === '/admin/faults') {
      if (req.method === 'GET') return reply(res, 200, faults.state());
      if (req.method === 'DELETE') return reply(res, 200, faults.clear());
      if (req.method === 'POST') return reply(res, 200, faults.set(parse(FaultSettingsSchema, await readJson(req))));
      throw new HttpError(405, { error: `${req.method} not allowed: GET, POST or DELETE` });
    }
    if (path === '/v1/payment-methods') {
      if (req.method !== 'POST') throw new HttpError(405, { error: `${req.method} not allowed: use POST` });
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
    const fault = await faults.before();
    if (fault)
      throw new HttpError(503, { error: `sandbox fault: ${fault}; nothing happened, retry with the same key` });
    const [status, body] = await payments(req, path);
    reply(res, status, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const known = err instanceof HttpError ? err : providerError(err);
      // Anything else (a database error) stays in the server; the caller may retry with the same key.
      const answer = known ?? new HttpError(503, { error: 'the provider is unavailable; retry with the same key' });
      if (!res.headersSent) reply(res, answer.status, answer.body);
      else res.end();
    });
  });
  return listen(server, opts.port, opts.host).then((listening) => ({ ...listening, faults }));
}
