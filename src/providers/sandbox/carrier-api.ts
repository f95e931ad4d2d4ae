/**
 * The sandbox carrier's booking desk as an HTTP service, as a carrier's API would be. Every
 * mutating call carries an `Idempotency-Key`; a repeated key answers the recorded outcome.
 *
 * - `POST /v1/shipments` `{shipmentId, country, parcels}` → 201 `{carrierRef}`
 * - `POST /v1/shipments/<carrierRef>/cancel` → 200 `{cancelled}`
 * - `GET|POST|DELETE /admin/faults`: faults on demand for the calls above (src/providers/sandbox/faults.ts)
 *
 * 503: nothing happened, retry with the same key; 409: the carrier refuses (a retry cannot help).
 * The parcels' progress (picked up, in transit, delivered) reaches us as carrier events, not here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { CarrierProvider } from '../carrier';
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

export interface RunningCarrierApi extends Listening {
  faults: FaultInjector;
}

const BookingSchema = z.strictObject({
  shipmentId: z.string().regex(/^[\w:.-]{1,200}$/),
  country: z.string().regex(/^[A-Z]{2}$/),
  parcels: z.number().int().positive().max(1_000),
  from: z
    .string()
    .regex(/^[\w-]{1,64}$/)
    .optional(),
});
const CANCEL = /^\/v1\/shipments\/([\w:.-]{1,200})\/cancel$/;

export function startSandboxCarrierApi(opts: {
  carrier: CarrierProvider;
  port: number;
  host?: string;
  faults?: FaultInjector;
}): Promise<RunningCarrierApi> {
  const faults = opts.faults ?? new FaultInjector();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://api').pathname;
    if (await faultsAdmin(req, res, path, faults)) return;
    const cancel = CANCEL.exec(path);
    if (path !== '/v1/shipments' && !cancel) throw new HttpError(404, { error: `not found: ${path}` });
    requirePost(req);
    const key = idempotencyKey(req);
    const body = await readJson(req);
    await injectFault(faults);
    if (cancel) return reply(res, 200, await opts.carrier.cancel({ carrierRef: cancel[1]!, idempotencyKey: key }));
    reply(res, 201, await opts.carrier.book({ ...parse(BookingSchema, body), idempotencyKey: key }));
  }

  const refused = (err: unknown) =>
    err instanceof ApplicationFailure && err.nonRetryable
      ? new HttpError(409, { error: err.message, type: err.type })
      : undefined;
  return serveJson(handle, opts.port, opts.host, refused).then((listening) => ({ ...listening, faults }));
}
