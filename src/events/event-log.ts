/**
 * Reads for operators (`orders events`, `orders notifications`): the outbox with its publish
 * state, the notifications with their mail state, and the dead letters. Newest first, bounded.
 */
import type { Pool } from 'pg';

export interface OutboxEntry {
  id: number;
  orderId: string;
  type: string;
  createdAt: string;
  publishedAt: string | null;
  payload: Record<string, unknown>;
}

export async function listOutbox(
  pool: Pool,
  opts: { orderId?: string; unpublished?: boolean; limit: number },
): Promise<OutboxEntry[]> {
  const { rows } = await pool.query<{
    id: string;
    order_id: string;
    event_type: string;
    created_at: Date;
    published_at: Date | null;
    payload: Record<string, unknown>;
  }>(
    `SELECT id, order_id, event_type, created_at, published_at, payload FROM outbox
     WHERE ($1::text IS NULL OR order_id = $1) AND (NOT $2 OR published_at IS NULL)
     ORDER BY id DESC LIMIT $3`,
    [opts.orderId ?? null, opts.unpublished ?? false, opts.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    orderId: r.order_id,
    type: r.event_type,
    createdAt: r.created_at.toISOString(),
    publishedAt: r.published_at?.toISOString() ?? null,
    payload: r.payload,
  }));
}

/** Whether a notification was mailed (src/events/mail-sender.ts): `skipped` rows predate mail. */
export interface MailState {
  status: 'pending' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  sentAt: string | null;
  error: string | null;
}

export interface NotificationEntry {
  eventId: string;
  orderId: string;
  kind: string;
  recipient: string;
  subject: string;
  createdAt: string;
  mail: MailState;
}

export async function listNotifications(
  pool: Pool,
  opts: { orderId?: string; limit: number },
): Promise<NotificationEntry[]> {
  const { rows } = await pool.query<{
    event_id: string;
    order_id: string;
    kind: string;
    recipient: string;
    subject: string;
    created_at: Date;
    mail_status: MailState['status'];
    mail_attempts: number;
    mail_sent_at: Date | null;
    mail_error: string | null;
  }>(
    `SELECT event_id, order_id, kind, recipient, subject, created_at, mail_status, mail_attempts, mail_sent_at, mail_error
     FROM notifications WHERE ($1::text IS NULL OR order_id = $1) ORDER BY id DESC LIMIT $2`,
    [opts.orderId ?? null, opts.limit],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    orderId: r.order_id,
    kind: r.kind,
    recipient: r.recipient,
    subject: r.subject,
    createdAt: r.created_at.toISOString(),
    mail: {
      status: r.mail_status,
      attempts: r.mail_attempts,
      sentAt: r.mail_sent_at?.toISOString() ?? null,
      error: r.mail_error,
    },
  }));
}

export interface DeadLetterEntry {
  id: number;
  source: string;
  messageId: string | null;
  reason: string;
  createdAt: string;
}

export async function listDeadLetters(pool: Pool, limit: number): Promise<DeadLetterEntry[]> {
  const { rows } = await pool.query<{
    id: string;
    source: string;
    message_id: string | null;
    reason: string;
    created_at: Date;
  }>('SELECT id, source, message_id, reason, created_at FROM dead_letters ORDER BY id DESC LIMIT $1', [limit]);
  return rows.map((r) => ({
    id: Number(r.id),
    source: r.source,
    messageId: r.message_id,
    reason: r.reason,
    createdAt: r.created_at.toISOString(),
  }));
}
