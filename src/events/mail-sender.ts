/**
 * The mail sender, the notifications service's way out: mails each pending notification row
 * through SMTP_URL. It runs apart from the consumer that writes the rows, so a mail server that is
 * away or refusing delays mail and never an order or an event. A send that fails for a while (no
 * connection, a 4xx answer) is tried again after a growing pause, up to a bounded number of
 * attempts; a refusal for good (a 5xx answer, no address) ends at once. Either way the row then
 * shows `failed` and why (`orders notifications`).
 */
import { createTransport, type Transporter } from 'nodemailer';
import type { Pool } from 'pg';
import { logger } from '../logger';
import { addressOf, mailOf, type MailAddressing } from './mail-message';
import {
  DEFAULT_MAIL_RETRY,
  markSent,
  markUnsent,
  retryIn,
  takeDueNotification,
  type MailRetry,
  type TakenNotification,
} from './mail-queue';
import { supervise, type Running } from './supervisor';

export interface MailSenderOptions {
  pool: Pool;
  smtpUrl: string;
  addressing: MailAddressing;
  retry?: Partial<MailRetry>;
  /** How often to look for due rows when there were none (default 1 s). */
  pollMs?: number;
  /** Mails sent at once (default 4): a burst of notifications is not sent one handshake after another. */
  concurrency?: number;
}

/**
 * nodemailer's timeouts (minutes by default) bounded so one send ends well within the lease
 * (mail-queue.ts). Settings in SMTP_URL's query win.
 */
function transportUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  // A pool of connections kept open between messages: one SMTP handshake per connection, not per mail.
  const bounds = { pool: 'true', connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '60000' };
  for (const [key, ms] of Object.entries(bounds)) if (!url.searchParams.has(key)) url.searchParams.set(key, ms);
  return url.toString();
}

interface SendError {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** A 5xx answer is the server's "never"; anything else (no connection, 4xx, a timeout) may pass. */
const isPermanent = (err: SendError) => (err.responseCode ?? 0) >= 500;

async function sendOne(
  opts: MailSenderOptions,
  transport: Transporter,
  retry: MailRetry,
  n: TakenNotification,
): Promise<void> {
  const to = addressOf(n, opts.addressing);
  if (!to) {
    await markUnsent(opts.pool, n.id, `no address for recipient ${n.recipient}`, undefined);
    logger.warn({ notification: n.id, kind: n.kind }, 'mail: no address for the recipient; marked failed');
    return;
  }
  try {
    await transport.sendMail(mailOf(n, to, opts.addressing));
    await markSent(opts.pool, n.id);
  } catch (caught) {
    const err = caught as SendError;
    const again = isPermanent(err) ? undefined : retryIn(n.attempt, retry);
    const error = `${err.code ?? 'error'}${err.responseCode ? ` ${err.responseCode}` : ''}: ${err.message ?? ''}`;
    await markUnsent(opts.pool, n.id, error.slice(0, 500), again);
    // Ids and codes only: the server's words may quote the address.
    logger.warn(
      { notification: n.id, kind: n.kind, attempt: n.attempt, code: err.code, responseCode: err.responseCode },
      again === undefined ? 'mail: not sent; marked failed' : `mail: not sent; trying again in ${again} ms`,
    );
  }
}

export function startMailSender(opts: MailSenderOptions): Running {
  const retry = { ...DEFAULT_MAIL_RETRY, ...opts.retry };
  const transport = createTransport(transportUrl(opts.smtpUrl));
  // The database away ends a session; the supervisor starts another after a pause.
  // Each loop takes its own row (SKIP LOCKED, under a lease), so several send at once, never one row twice.
  // A session ends, all its loops with it, at the first failure (the database away): the
  // supervisor then starts a new one after a pause.
  const running = supervise('mail sender', async (control) => {
    let failed = false;
    const loop = async () => {
      try {
        while (!control.stopped && !failed) {
          const due = await takeDueNotification(opts.pool);
          if (due) await sendOne(opts, transport, retry, due);
          else await control.pause(opts.pollMs ?? 1000);
        }
      } catch (err) {
        failed = true;
        throw err;
      }
    };
    const ended = await Promise.allSettled(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, loop));
    const failure = ended.find((e) => e.status === 'rejected');
    if (failure) throw failure.reason;
  });
  return {
    async stop() {
      await running.stop();
      transport.close();
    },
  };
}
