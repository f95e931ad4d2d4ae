/**
 * The sandbox mail sink's mailbox (`sandbox_mailbox`): what it received, kept once per Message-ID,
 * and read back newest first by `orders mailbox` and the console's mailbox page.
 */
import type { Pool } from 'pg';
import { parseMail } from './mail-parse';

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  /** The message as received. */
  raw: Buffer;
}

/** Answers false for a message this mailbox holds already (the same Message-ID sent again). */
export async function storeReceived(pool: Pool, mail: ReceivedMail): Promise<boolean> {
  const parsed = parseMail(mail.raw);
  const { rowCount } = await pool.query(
    `INSERT INTO sandbox_mailbox (message_id, mail_from, rcpt_to, subject, order_id, text_body, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`,
    [parsed.messageId, mail.mailFrom, mail.rcptTo, parsed.subject, parsed.orderId, parsed.text, mail.raw],
  );
  return (rowCount ?? 0) > 0;
}

export interface MailboxEntry {
  id: number;
  receivedAt: string;
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  orderId: string | null;
  text: string | null;
}

export async function listMailbox(pool: Pool, opts: { orderId?: string; limit: number }): Promise<MailboxEntry[]> {
  const { rows } = await pool.query<{
    id: string;
    received_at: Date;
    message_id: string | null;
    mail_from: string;
    rcpt_to: string[];
    subject: string;
    order_id: string | null;
    text_body: string | null;
  }>(
    `SELECT id, received_at, message_id, mail_from, rcpt_to, subject, order_id, text_body FROM sandbox_mailbox
     WHERE ($1::text IS NULL OR order_id = $1) ORDER BY id DESC LIMIT $2`,
    [opts.orderId ?? null, opts.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    receivedAt: r.received_at.toISOString(),
    messageId: r.message_id,
    from: r.mail_from,
    to: r.rcpt_to,
    subject: r.subject,
    orderId: r.order_id,
    text: r.text_body,
  }));
}
