/**
 * `orders events`, `orders notifications` and `orders mailbox`: what left (or waits in) the outbox,
 * what the notifications consumer wrote and whether it was mailed, what the sandbox mail sink
 * received, and what no consumer could handle. Reads PostgreSQL (DATABASE_URL).
 */
import { listDeadLetters, listNotifications, listOutbox, type MailState } from '../events/event-log';
import { listMailbox, type MailboxEntry } from '../providers/sandbox/mailbox';
import { withPool } from './database';
import { checkOrderId } from './context';
import { invalid } from './errors';
import { EXIT, clean, printJson, table } from './output';

function limitOf(text: string | undefined): number {
  if (text === undefined) return 50;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalid('--limit: must be a whole number from 1 to 1000');
  return n;
}

export async function eventsList(opts: {
  order?: string;
  unpublished?: boolean;
  deadLetters?: boolean;
  limit?: string;
  json?: boolean;
}): Promise<number> {
  const limit = limitOf(opts.limit);
  const orderId = opts.order === undefined ? undefined : checkOrderId(opts.order);
  if (opts.deadLetters && (orderId || opts.unpublished))
    throw invalid('--dead-letters: cannot be combined with --order or --unpublished');
  return withPool(async (pool) => {
    if (opts.deadLetters) {
      const letters = await listDeadLetters(pool, limit);
      if (opts.json) printJson({ deadLetters: letters });
      else if (letters.length === 0) console.log('no dead letters');
      else
        console.log(
          table(
            ['ID', 'AT', 'SOURCE', 'MESSAGE', 'REASON'],
            letters.map((l) => [String(l.id), l.createdAt, l.source, l.messageId ?? '-', l.reason]),
          ),
        );
      return EXIT.OK;
    }
    const events = await listOutbox(pool, { orderId, unpublished: opts.unpublished, limit });
    if (opts.json) printJson({ events });
    else if (events.length === 0) console.log(orderId ? `no events for order ${orderId}` : 'no events');
    else
      console.log(
        table(
          ['ID', 'AT', 'ORDER', 'EVENT', 'PUBLISHED'],
          events.map((e) => [String(e.id), e.createdAt, e.orderId, e.type, e.publishedAt ?? 'waiting in the outbox']),
        ),
      );
    return EXIT.OK;
  });
}

/** One cell: how the mail went. */
function mailCell(mail: MailState): string {
  if (mail.status === 'sent') return `sent ${mail.sentAt}`;
  if (mail.status === 'failed') return `failed after ${mail.attempts}: ${mail.error}`;
  if (mail.status === 'skipped') return '-';
  return mail.attempts ? `pending, ${mail.attempts} tried: ${mail.error}` : 'pending';
}

export async function notificationsList(opts: { order?: string; limit?: string; json?: boolean }): Promise<number> {
  const limit = limitOf(opts.limit);
  const orderId = opts.order === undefined ? undefined : checkOrderId(opts.order);
  return withPool(async (pool) => {
    const sent = await listNotifications(pool, { orderId, limit });
    if (opts.json) printJson({ notifications: sent });
    else if (sent.length === 0) console.log(orderId ? `no notifications for order ${orderId}` : 'no notifications');
    else
      console.log(
        table(
          ['AT', 'EVENT', 'KIND', 'TO', 'SUBJECT', 'MAIL'],
          sent.map((n) => [n.createdAt, n.eventId, n.kind, n.recipient, clean(n.subject), mailCell(n.mail)]),
        ),
      );
    return EXIT.OK;
  });
}

/** A received message as a reader sees it: its envelope, then its text. */
function printMessage(m: MailboxEntry): void {
  console.log(`${m.receivedAt}  from ${m.from}  to ${m.to.join(', ')}`);
  console.log(`Subject: ${clean(m.subject)}`);
  console.log(m.text === null ? '(no plain text: see --json for the message id)' : clean(m.text).trimEnd());
  console.log('');
}

export async function mailboxList(opts: { order?: string; limit?: string; text?: boolean; json?: boolean }) {
  const limit = limitOf(opts.limit);
  const orderId = opts.order === undefined ? undefined : checkOrderId(opts.order);
  return withPool(async (pool) => {
    const received = await listMailbox(pool, { orderId, limit });
    if (opts.json) printJson({ mailbox: received });
    else if (received.length === 0) console.log(orderId ? `no mail for order ${orderId}` : 'the mailbox is empty');
    else if (opts.text) received.forEach(printMessage);
    else
      console.log(
        table(
          ['AT', 'ORDER', 'TO', 'SUBJECT'],
          received.map((m) => [m.receivedAt, m.orderId ?? '-', m.to.join(', '), clean(m.subject)]),
        ),
      );
    return EXIT.OK;
  });
}
