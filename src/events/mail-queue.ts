/**
 * The mail columns of the `notifications` table, as the mail sender works them: take the oldest
 * pending row that is due, then record how its send went. Taking a row pushes its next attempt a
 * lease ahead, so several senders never mail one row at once, and a sender that died mid-send
 * leaves the row to be tried again when the lease ends.
 */
import type { Pool } from 'pg';
import type { OutgoingNotification } from './mail-message';

/** Longer than the worst send the transport's timeouts allow (mail-sender.ts). */
export const MAIL_LEASE_MS = 5 * 60 * 1000;

export interface MailRetry {
  /** The pause after the first failed attempt; each later one doubles, up to maxMs. */
  firstMs: number;
  maxMs: number;
  /** Attempts in all, the first included (MAIL_MAX_ATTEMPTS). */
  maxAttempts: number;
}

/** 10 attempts over about half an hour: a mail server restarted or briefly away loses nothing. */
export const DEFAULT_MAIL_RETRY: MailRetry = { firstMs: 5_000, maxMs: 10 * 60 * 1000, maxAttempts: 10 };

/** The pause before the next attempt after `attempt` failed, or undefined when that was the last. */
export function retryIn(attempt: number, retry: MailRetry): number | undefined {
  if (attempt >= retry.maxAttempts) return undefined;
  return Math.min(retry.maxMs, retry.firstMs * 2 ** (attempt - 1));
}

export interface TakenNotification extends OutgoingNotification {
  /** This attempt's number, from 1. */
  attempt: number;
}

/**
 * The next due row, its attempt counted; undefined when none is due. The customer comes from the
 * order's read model at send time: the notification keeps none of its own.
 */
export async function takeDueNotification(pool: Pool): Promise<TakenNotification | undefined> {
  const { rows } = await pool.query<{
    id: string;
    order_id: string;
    kind: string;
    recipient: string;
    subject: string;
    body: string | null;
    mail_attempts: number;
    customer_id: string | null;
  }>(
    `UPDATE notifications n
     SET mail_attempts = n.mail_attempts + 1, mail_next_at = now() + make_interval(secs => $1::float8 / 1000)
     WHERE n.id = (SELECT id FROM notifications WHERE mail_status = 'pending' AND mail_next_at <= now()
                   ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING n.id, n.order_id, n.kind, n.recipient, n.subject, n.body, n.mail_attempts,
               (SELECT customer_id FROM orders o WHERE o.order_id = n.order_id) AS customer_id`,
    [MAIL_LEASE_MS],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    orderId: r.order_id,
    kind: r.kind,
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
    customerId: r.customer_id,
    attempt: r.mail_attempts,
  };
}

export async function markSent(pool: Pool, id: number): Promise<void> {
  await pool.query(
    `UPDATE notifications SET mail_status = 'sent', mail_sent_at = now(), mail_error = NULL
     WHERE id = $1 AND mail_status = 'pending'`,
    [id],
  );
}

/** Tries again after `retryInMs`, or with undefined gives up: the row shows `failed` and why. */
export async function markUnsent(pool: Pool, id: number, error: string, retryInMs: number | undefined): Promise<void> {
  await pool.query(
    retryInMs === undefined
      ? `UPDATE notifications SET mail_status = 'failed', mail_error = $2 WHERE id = $1 AND mail_status = 'pending'`
      : `UPDATE notifications SET mail_error = $2, mail_next_at = now() + make_interval(secs => $3::float8 / 1000)
         WHERE id = $1 AND mail_status = 'pending'`,
    retryInMs === undefined ? [id, error] : [id, error, retryInMs],
  );
}
