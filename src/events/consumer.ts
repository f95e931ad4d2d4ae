/**
 * One way to consume a queue: a handler per message; success acks; Undeliverable moves the message
 * to the dead letters with its reason, then acks; any other failure (the database is away) puts it
 * back after a pause, so it is retried rather than lost or spun on.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Pool } from 'pg';
import type { BrokerNames } from '../domain';
import { logger } from '../logger';
import { Undeliverable, recordDeadLetter } from './dead-letters';

export const RETRY_PAUSE_MS = 1_000;

/**
 * Messages in flight per consumer. Notifications take one at a time, so they go out in the order
 * the relay published them (an order's events in order); carrier events may interleave.
 */
export const PREFETCH = { notifications: 1, carrierEvents: 16 } as const;

export async function consumeQueue(
  channel: Channel,
  pool: Pool,
  names: BrokerNames,
  queue: string,
  handle: (body: string, message: ConsumeMessage) => Promise<void>,
  prefetch: number,
): Promise<void> {
  await channel.prefetch(prefetch);
  await channel.consume(queue, (message) => {
    if (!message) return; // the broker cancelled the consumer (queue deleted): the connection's close handler reports it
    const body = message.content.toString('utf8');
    const messageId = typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined;
    handle(body, message)
      .then(() => channel.ack(message))
      .catch(async (err: unknown) => {
        if (err instanceof Undeliverable) {
          await recordDeadLetter(pool, { source: queue, messageId, reason: err.message, body }, { channel, names });
          channel.ack(message);
          return;
        }
        logger.warn({ err, queue, messageId }, 'message handling failed: retrying');
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
        channel.nack(message, false, true);
      })
      .catch((err: unknown) => logger.error({ err, queue }, 'consumer: could not settle a message'));
  });
}
