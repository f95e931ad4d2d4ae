/**
 * Messages a consumer cannot handle (unparseable, unknown shipment): recorded with the reason in
 * `dead_letters` (what `orders events --dead-letters` shows), and with a broker also moved to its
 * dead-letter queue, headers x-reason and x-source, where an operator can inspect or re-drive them.
 */
import type { Channel } from 'amqplib';
import type { Pool } from 'pg';
import type { BrokerNames } from '../domain';

/** Thrown by a message handler: this message will never succeed, for this reason. */
export class Undeliverable extends Error {}

export interface DeadLetter {
  source: string;
  messageId?: string;
  reason: string;
  body: string;
}

export async function recordDeadLetter(
  pool: Pool,
  letter: DeadLetter,
  broker?: { channel: Channel; names: BrokerNames },
): Promise<void> {
  await pool.query('INSERT INTO dead_letters (source, message_id, reason, body) VALUES ($1, $2, $3, $4)', [
    letter.source,
    letter.messageId ?? null,
    letter.reason,
    letter.body,
  ]);
  broker?.channel.sendToQueue(broker.names.deadLetter, Buffer.from(letter.body), {
    persistent: true,
    ...(letter.messageId ? { messageId: letter.messageId } : {}),
    headers: { 'x-reason': letter.reason, 'x-source': letter.source },
  });
}
