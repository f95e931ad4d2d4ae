/**
 * The outbox relay: publishes outbox rows to the `orders.events` exchange in id order, on a
 * confirm channel, and stamps `published_at` only after the broker has confirmed them. A relay
 * killed at any moment loses nothing: rows it published but did not stamp are published again
 * (same message id), and consumers dedup by message id. Rows are locked while a batch is in flight,
 * so two relays never interleave one order's events.
 */
import type { ConfirmChannel } from 'amqplib';
import type { Pool } from 'pg';
import { inTransaction } from '../db/pool';
import { OrderEventMessageSchema, type BrokerNames, type OrderEventMessage } from '../domain';
import { connectBroker, declareTopology } from './amqp';
import { logger } from '../logger';
import { supervise, type Running } from './supervisor';

interface OutboxRow {
  id: string;
  order_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export function toMessage(row: OutboxRow): OrderEventMessage {
  // The schema consumers validate with: a row the relay cannot describe must not leave.
  return OrderEventMessageSchema.parse({
    eventId: String(row.id),
    type: row.event_type,
    orderId: row.order_id,
    occurredAt: row.created_at.toISOString(),
    payload: row.payload,
  });
}

/** Publishes up to `batch` unpublished rows; answers how many it published. */
export async function relayBatch(
  pool: Pool,
  channel: ConfirmChannel,
  names: BrokerNames,
  batch = 100,
): Promise<number> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<OutboxRow>(
      `SELECT id, order_id, event_type, payload, created_at FROM outbox
       WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE`,
      [batch],
    );
    if (rows.length === 0) return 0;
    for (const row of rows) {
      const message = toMessage(row);
      channel.publish(names.orderEvents, message.type, Buffer.from(JSON.stringify(message)), {
        messageId: message.eventId,
        type: message.type,
        persistent: true,
        contentType: 'application/json',
        timestamp: Math.floor(row.created_at.getTime() / 1000),
      });
    }
    await channel.waitForConfirms(); // rejects if the broker refused any of them: nothing is stamped
    await db.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    return rows.length;
  });
}

export interface RelayOptions {
  pool: Pool;
  amqpUrl: string;
  names: BrokerNames;
  /** How often an idle relay looks for new rows. */
  pollMs: number;
}

/**
 * Runs the relay until stopped: polls, publishes, and after a broker or database failure
 * reconnects (src/events/supervisor.ts), so an outage delays events and loses none.
 */
export function startOutboxRelay(opts: RelayOptions): Running {
  return supervise('outbox relay', async (control) => {
    const broker = await connectBroker(opts.amqpUrl, 'outbox relay');
    try {
      const channel = await broker.createConfirmChannel();
      await declareTopology(channel, opts.names);
      while (!control.stopped) {
        const published = await relayBatch(opts.pool, channel, opts.names);
        if (published > 0) logger.debug({ published }, 'outbox relay: published');
        else await control.pause(opts.pollMs);
      }
    } finally {
      await broker.close().catch(() => undefined);
    }
  });
}
