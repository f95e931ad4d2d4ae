/**
 * The notifications service, by choreography: it subscribes to order events and writes a row per
 * message to `notifications`, with no call from the order workflow; with SMTP_URL the mail sender
 * (mail-sender.ts) mails each row. Each (event, recipient) is written once, so a redelivered event
 * sends nothing twice.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../db/pool';
import { OrderEventMessageSchema, formatZodError, notificationsFor, type OrderEventMessage } from '../domain';
import { Undeliverable } from './dead-letters';

export function parseOrderEvent(body: string): OrderEventMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Undeliverable('not JSON');
  }
  const parsed = OrderEventMessageSchema.safeParse(json);
  if (!parsed.success) throw new Undeliverable(`not an order event: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * Handles one order event; answers how many notifications it wrote now (0 for a repeat). `mailed`:
 * this deployment mails them (SMTP_URL), so they wait for the mail sender; without, they are kept
 * as rows only (`skipped`), and never mailed late when mail is turned on after.
 */
export async function notifyFor(pool: Pool, event: OrderEventMessage, o: { mailed: boolean }): Promise<number> {
  const notices = notificationsFor(event);
  if (notices.length === 0) return 0;
  return inTransaction(pool, async (db) => {
    let written = 0;
    for (const n of notices) {
      const { rowCount } = await db.query(
        `INSERT INTO notifications (event_id, order_id, kind, recipient, subject, body, mail_status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING`,
        [
          event.eventId,
          event.orderId,
          n.kind,
          n.recipient,
          n.subject,
          n.body ?? null,
          o.mailed ? 'pending' : 'skipped',
        ],
      );
      written += rowCount ?? 0;
    }
    return written;
  });
}
