/**
 * The carrier's webhook: `POST /carrier/events` with `{"eventId", "shipmentId", "event"}`, handled
 * like a message from the `carrier.events` queue. Answers 200 `{"status": "handled" | "duplicate"}`,
 * 400 naming the bad field, 404 for an unknown shipment (recorded in the dead letters), 401 without
 * the shared token when CARRIER_WEBHOOK_TOKEN is set, 503 when it cannot handle it now (retry).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, type Listening } from '../runtime/http-listen';
import { logger } from '../logger';
import { handleCarrierEvent, parseCarrierEvent, type CarrierInboxDeps } from './carrier-inbox';
import { Undeliverable, type DeadLetter } from './dead-letters';

const MAX_BODY_BYTES = 16 * 1024;
export const CARRIER_WEBHOOK_PATH = '/carrier/events';

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let body = '';
  for await (const chunk of req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > MAX_BODY_BYTES) return undefined;
  }
  return body;
}

function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function startCarrierWebhook(opts: {
  inbox: CarrierInboxDeps;
  /** Where undeliverable events are recorded (and moved to the broker's dead-letter queue, if any). */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  port: number;
  host?: string;
  token?: string;
}): Promise<Listening> {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://carrier').pathname !== CARRIER_WEBHOOK_PATH)
      return reply(res, 404, { error: `not found: POST ${CARRIER_WEBHOOK_PATH}` });
    if (req.method !== 'POST') return reply(res, 405, { error: `${req.method} not allowed: use POST` });
    if (!authorised(req, opts.token))
      return reply(res, 401, { error: 'Authorization: a valid bearer token is required' });
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, { error: `body: larger than ${MAX_BODY_BYTES} bytes` });
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return reply(res, 400, { error: 'body: not JSON' });
    }
    let event;
    try {
      event = parseCarrierEvent(json);
    } catch (err) {
      return reply(res, 400, { error: (err as Error).message });
    }
    try {
      return reply(res, 200, { status: await handleCarrierEvent(opts.inbox, event, 'webhook') });
    } catch (err) {
      if (!(err instanceof Undeliverable)) throw err;
      await opts.deadLetter({ source: 'carrier-webhook', messageId: event.eventId, reason: err.message, body });
      return reply(res, 404, { error: err.message });
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.warn({ err }, 'carrier webhook: could not handle an event now');
      if (!res.headersSent) reply(res, 503, { error: 'unavailable; retry the same event' });
      else res.end();
    });
  });
  return listen(server, opts.port, opts.host);
}
