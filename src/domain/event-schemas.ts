/** The wire format of messages, validated at both ends (relay and consumers, carrier and inbox). */
import { z } from 'zod';
import { CARRIER_EVENTS } from './contracts';
import { ORDER_EVENT_TYPES, type OrderEventType } from './events';

export const OrderEventMessageSchema = z.strictObject({
  eventId: z.string().regex(/^\d+$/, 'an outbox id'),
  type: z.enum(ORDER_EVENT_TYPES as [OrderEventType, ...OrderEventType[]]),
  orderId: z.string().min(1).max(200),
  occurredAt: z.iso.datetime(),
  payload: z.record(z.string(), z.unknown()),
});

const MessageKey = z.string().regex(/^[\w:.-]{1,200}$/, 'must be 1-200 letters, digits, "_", ":", "." or "-"');

/** A carrier's status update, from the `carrier.events` queue or the webhook. */
export const InboundCarrierEventSchema = z.strictObject({
  eventId: MessageKey,
  shipmentId: MessageKey,
  event: z.enum(CARRIER_EVENTS),
});
export type InboundCarrierEvent = z.infer<typeof InboundCarrierEventSchema>;
