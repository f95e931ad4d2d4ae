/**
 * The sandbox payment provider's public API, as a card processor's would be: for now its vault,
 * `POST /v1/payment-methods` with `{"token": "tok_…"}` and an `Idempotency-Key` header, answering
 * `201 {"id": "pm_…"}` (the same id again for a repeated key). Placing an order calls it, so the
 * card token stays with the provider and only the reference enters Temporal.
 * `npm start` serves it on loopback (PAYMENTS_API_PORT); the tests start one for their run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { PaymentProvider } from '../../activities/payments';
import { PaymentSchema, formatZodError } from '../domain';
import { listen, type Listening } from './http-listen';

export type RunningPaymentsApi = Listening;

const MAX_BODY_BYTES = 16 * 1024;
const IDEMPOTENCY_KEY = /^[\w:.-]{1,200}$/;

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let body = '';
  for await (const chunk of req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > MAX_BODY_BYTES) return undefined;
  }
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function startSandboxPaymentsApi(opts: {
  provider: Pick<PaymentProvider, 'savePaymentMethod'>;
  port: number;
  host?: string;
}): Promise<RunningPaymentsApi> {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://api').pathname !== '/v1/payment-methods')
      return reply(res, 404, { error: 'not found: POST /v1/payment-methods' });
    if (req.method !== 'POST') return reply(res, 405, { error: `${req.method} not allowed: use POST` });
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
      return reply(res, 400, { error: 'Idempotency-Key: required, 1-200 letters, digits, "_", ":", "." or "-"' });
    const body = await readJson(req);
    // The same rule as the order schema's payment.token (never echoes the value).
    const parsed = PaymentSchema.shape.token.safeParse((body as { token?: unknown } | undefined)?.token);
    if (!parsed.success)
      return reply(res, 400, {
        error: formatZodError({ issues: parsed.error.issues.map((i) => ({ ...i, path: ['token'] })) }),
      });
    const { paymentMethodId } = await opts.provider.savePaymentMethod({ token: parsed.data, idempotencyKey: key });
    reply(res, 201, { id: paymentMethodId });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The reason (a database error) stays in the server; the caller may retry with the same key.
      if (!res.headersSent) reply(res, 503, { error: 'the vault is unavailable; retry with the same Idempotency-Key' });
      else res.end();
    });
  });
  return listen(server, opts.port, opts.host);
}
