/**
 * The carrier's webhook: `POST /carrier/events` with `{"eventId", "shipmentId", "event"}`, handled
 * like a message from the `carrier.events` queue. Answers 200 `{"status": "handled" | "duplicate"}`,
 * 400 naming the bad field, 404 for an unknown shipment (recorded in the dead letters), 401 when
 * CARRIER_WEBHOOK_SECRET is set and the body's signature is missing, old or wrong
 * (webhook-signature.ts), 503 when it cannot handle it now (retry). Without a secret it listens on
 * loopback only: a webhook anyone else can reach moves parcels, so it refuses to start unsigned there.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, type Listening } from '../runtime/http-listen';
import { logger } from '../logger';
import { handleCarrierEvent, parseCarrierEvent, type CarrierInboxDeps } from './carrier-inbox';
import { Undeliverable, type DeadLetter } from './dead-letters';
import { SIGNATURE_HEADER, isLoopback, whyNotSigned } from './webhook-signature';

const MAX_BODY_BYTES = 16 * 1024;
export const CARRIER_WEBHOOK_PATH = '/carrier/events';

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body's bytes as sent (what the carrier signed), or undefined past the limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function startCarrierWebhook(opts: {
  inbox: CarrierInboxDeps;
  /** Where undeliverable events are recorded (and moved to the broker's dead-letter queue, if any). */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  port: number;
  host?: string;
  /** CARRIER_WEBHOOK_SECRET: the HMAC key the carrier signs with; required off loopback. */
  secret?: string;
}): Promise<Listening> {
  if (!opts.secret && !isLoopback(opts.host))
    return Promise.reject(
      new Error(
        `the carrier webhook would listen on ${opts.host} unsigned: set CARRIER_WEBHOOK_SECRET (the key your carrier signs its webhooks with), or CARRIER_WEBHOOK_HOST=127.0.0.1`,
      ),
    );
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://carrier').pathname !== CARRIER_WEBHOOK_PATH)
      return reply(res, 404, { error: `not found: POST ${CARRIER_WEBHOOK_PATH}` });
    if (req.method !== 'POST') return reply(res, 405, { error: `${req.method} not allowed: use POST` });
    const raw = await readBody(req);
    if (raw === undefined) return reply(res, 413, { error: `body: larger than ${MAX_BODY_BYTES} bytes` });
    const unsigned = opts.secret && whyNotSigned(opts.secret, header(req, SIGNATURE_HEADER), raw);
    const body = raw.toString('utf8');
    if (unsigned) return reply(res, 401, { error: unsigned });
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
