/**
 * Carrier status updates coming in (the `carrier.events` queue, the webhook): each becomes the
 * shipping service's record of the event and a `carrierEvent` signal to the workflow that follows
 * the parcel (parcelFollower: its order, its shipment's, or its return's), once per event id. An event for a shipment we never booked is undeliverable (dead letters).
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Pool } from 'pg';
import {
  InboundCarrierEventSchema,
  carrierMessage,
  formatZodError,
  parcelFollower,
  type CarrierEventMessage,
  type CarrierEventType,
  type InboundCarrierEvent,
} from '../domain';
import { logger } from '../logger';
import { Undeliverable } from './dead-letters';

export interface CarrierInboxDeps {
  pool: Pool;
  /** The shipping service's idempotent record (activities/shipping/activities.ts recordCarrierEvent). */
  recordCarrierEvent(input: { shipmentId: string; event: CarrierEventType }): Promise<{ accepted: boolean }>;
  signalShipment(workflowId: string, message: CarrierEventMessage): Promise<void>;
}

export function parseCarrierEvent(json: unknown): InboundCarrierEvent {
  const parsed = InboundCarrierEventSchema.safeParse(json);
  if (!parsed.success) throw new Undeliverable(`not a carrier event: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * Records, signals, then marks the event id handled. A crash before the mark repeats the record
 * and the signal on redelivery; both are idempotent (the workflow ignores a stage it has passed).
 */
export async function handleCarrierEvent(
  deps: CarrierInboxDeps,
  e: InboundCarrierEvent,
  source: 'queue' | 'webhook',
): Promise<'handled' | 'duplicate'> {
  const seen = await deps.pool.query('SELECT 1 FROM carrier_event_inbox WHERE event_id = $1', [e.eventId]);
  if (seen.rowCount) return 'duplicate';
  const booked = await deps.pool.query<{ rma_id: string | null; followed_by: string | null }>(
    'SELECT rma_id, followed_by FROM shipments WHERE shipment_id = $1 AND order_id IS NOT NULL',
    [e.shipmentId],
  );
  if (!booked.rowCount) throw new Undeliverable(`unknown shipment ${e.shipmentId}`);
  const recorded = await deps.recordCarrierEvent({ shipmentId: e.shipmentId, event: e.event });
  const { rma_id: rmaId, followed_by: followedBy } = booked.rows[0]!;
  const follower = parcelFollower({ shipmentId: e.shipmentId, followedBy, rmaId });
  try {
    await deps.signalShipment(follower.workflowId, carrierMessage(follower, e.shipmentId, e.event, recorded));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // The parcel's workflow has closed (delivered, cancelled): the record above is all there is to do.
    logger.info(
      { shipmentId: e.shipmentId, event: e.event },
      'carrier event for a parcel whose workflow has closed: recorded only',
    );
  }
  await deps.pool.query(
    `INSERT INTO carrier_event_inbox (event_id, shipment_id, event, source) VALUES ($1, $2, $3, $4)
     ON CONFLICT (event_id) DO NOTHING`,
    [e.eventId, e.shipmentId, e.event, source],
  );
  return 'handled';
}
