/**
 * `orders events` and `orders notifications`: what left (or waits in) the outbox, what the
 * notifications consumer sent, and what no consumer could handle. Reads PostgreSQL (DATABASE_URL).
 */
import { listDeadLetters, listNotifications, listOutbox } from '../events/event-log';
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
          ['AT', 'EVENT', 'KIND', 'TO', 'SUBJECT'],
          sent.map((n) => [n.createdAt, n.eventId, n.kind, n.recipient, clean(n.subject)]),
        ),
      );
    return EXIT.OK;
  });
}
