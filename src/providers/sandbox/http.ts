/**
 * What the sandbox providers' HTTP APIs share: JSON bodies with a size limit, zod validation into
 * 400s that name the field, the `Idempotency-Key` header, typed refusals, the `/admin/faults`
 * endpoint, and "anything unexpected is a 503: nothing happened, retry with the same key".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { formatZodError } from '../../domain';
import { listen, type Listening } from '../../runtime/http-listen';
import { FaultSettingsSchema, type FaultInjector } from './faults';

const MAX_BODY_BYTES = 16 * 1024;
const IDEMPOTENCY_KEY = /^[\w:.-]{1,200}$/;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

export function reply(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
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

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, { error: formatZodError(parsed.error) });
  return parsed.data;
}

export function idempotencyKey(req: IncomingMessage): string {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
    throw new HttpError(400, { error: 'Idempotency-Key: required, 1-200 letters, digits, "_", ":", "." or "-"' });
  return key;
}

export function requirePost(req: IncomingMessage): void {
  if (req.method !== 'POST') throw new HttpError(405, { error: `${req.method} not allowed: use POST` });
}

/** `GET|POST|DELETE /admin/faults`; true when it answered. */
export async function faultsAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  faults: FaultInjector,
): Promise<boolean> {
  if (path !== '/admin/faults') return false;
  if (req.method === 'GET') reply(res, 200, faults.state());
  else if (req.method === 'DELETE') reply(res, 200, faults.clear());
  else if (req.method === 'POST') reply(res, 200, faults.set(parse(FaultSettingsSchema, await readJson(req))));
  else throw new HttpError(405, { error: `${req.method} not allowed: GET, POST or DELETE` });
  return true;
}

/** Injects the fault due now, if any (a 503, or a "not now" with Retry-After), before the provider does anything. */
export async function injectFault(faults: FaultInjector): Promise<void> {
  const fault = await faults.before();
  if (!fault) return;
  if (fault.kind === 'transient')
    throw new HttpError(
      fault.status,
      { error: `sandbox fault: HTTP ${fault.status}; nothing happened, retry after ${fault.retryAfterS} s` },
      { 'Retry-After': String(fault.retryAfterS) },
    );
  throw new HttpError(503, { error: `sandbox fault: ${fault.kind}; nothing happened, retry with the same key` });
}

/**
 * Serves `handle`; an HttpError (or what `known` maps to one) is answered as it says, anything else
 * (a database error) stays in the server as a 503 the caller may retry with the same key.
 */
export function serveJson(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port: number,
  host: string | undefined,
  known: (err: unknown) => HttpError | undefined = () => undefined,
): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const answer =
        (err instanceof HttpError ? err : known(err)) ??
        new HttpError(503, { error: 'the provider is unavailable; retry with the same key' });
      if (!res.headersSent) reply(res, answer.status, answer.body, answer.headers);
      else res.end();
    });
  });
  return listen(server, port, host);
}
