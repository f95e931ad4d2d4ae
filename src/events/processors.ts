/**
 * The event side of a process, started by `npm start` and by `worker.ts --events ...`: the outbox
 * relay and the notifications consumer (both need a broker) with, given SMTP_URL, the mail sender
 * that mails what the consumer wrote, and the carrier inbox (its queue with a broker; its webhook
 * always). Each part stops on stop(), in reverse order.
 */
import type { Pool } from 'pg';
import type { BrokerNames } from '../domain';
import type { Listening } from '../runtime/http-listen';
import { connectBroker, declareTopology } from './amqp';
import { handleCarrierEvent, parseCarrierEvent, type CarrierInboxDeps } from './carrier-inbox';
import { startCarrierWebhook } from './carrier-webhook';
import { PREFETCH, consumeQueue } from './consumer';
import { Undeliverable, recordDeadLetter, type DeadLetter } from './dead-letters';
import { startMailSender, type MailSenderOptions } from './mail-sender';
import { notifyFor, parseOrderEvent } from './notifications';
import { startOutboxRelay } from './outbox-relay';
import { supervisedConsumer } from './supervised';
import type { Running } from './supervisor';

export const EVENT_PARTS = ['relay', 'notifications', 'carrier-events'] as const;
export type EventPart = (typeof EVENT_PARTS)[number];

export interface EventProcessorOptions {
  pool: Pool;
  /** AMQP_URL; without it only the carrier webhook runs and events wait in the outbox. */
  amqpUrl?: string;
  names: BrokerNames;
  parts: readonly EventPart[];
  relayPollMs: number;
  /** For notifications: mail each notification through this SMTP server (SMTP_URL); without, rows only. */
  mail?: Omit<MailSenderOptions, 'pool'>;
  /** For carrier-events: the shipping service's record and the signal to a shipment. */
  carrier?: Omit<CarrierInboxDeps, 'pool'>;
  /** For carrier-events: where the webhook listens (port 0: any free one). */
  webhook?: { port: number; host?: string; secret?: string };
}

export interface EventProcessors {
  webhookUrl?: string;
  stop(): Promise<void>;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new Undeliverable('not JSON');
  }
}

export async function startEventProcessors(opts: EventProcessorOptions): Promise<EventProcessors> {
  const running: Running[] = [];
  const stop = async () => {
    for (const r of running.reverse()) await r.stop();
  };
  const { pool, amqpUrl, names } = opts;
  let webhookUrl: string | undefined;
  try {
    if (amqpUrl && opts.parts.includes('relay'))
      running.push(startOutboxRelay({ pool, amqpUrl, names, pollMs: opts.relayPollMs }));
    if (amqpUrl && opts.parts.includes('notifications'))
      running.push(
        supervisedConsumer(amqpUrl, names, 'notifications', (channel) =>
          consumeQueue(
            channel,
            pool,
            names,
            names.notifications,
            async (body) => {
              await notifyFor(pool, parseOrderEvent(body), { mailed: opts.mail !== undefined });
            },
            PREFETCH.notifications,
          ),
        ),
      );
    // Beside the consumer, never in its way: a mail server away delays mail, not events.
    if (opts.mail && opts.parts.includes('notifications')) running.push(startMailSender({ pool, ...opts.mail }));
    if (opts.parts.includes('carrier-events')) {
      if (!opts.carrier) throw new Error('carrier-events needs the shipping record and a Temporal client');
      const inbox: CarrierInboxDeps = { pool, ...opts.carrier };
      if (amqpUrl)
        running.push(
          supervisedConsumer(amqpUrl, names, 'carrier events', (channel) =>
            consumeQueue(
              channel,
              pool,
              names,
              names.carrierEvents,
              async (body) => {
                await handleCarrierEvent(inbox, parseCarrierEvent(parseJson(body)), 'queue');
              },
              PREFETCH.carrierEvents,
            ),
          ),
        );
      if (opts.webhook) {
        const deadLetters = await webhookDeadLetters(pool, amqpUrl, names);
        running.push(deadLetters);
        const webhook: Listening = await startCarrierWebhook({
          inbox,
          deadLetter: deadLetters.record,
          ...opts.webhook,
        });
        webhookUrl = webhook.url;
        running.push(webhook);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { webhookUrl, stop };
}

/** The webhook's dead letters: the table, and with a broker its dead-letter queue too (best effort). */
async function webhookDeadLetters(
  pool: Pool,
  amqpUrl: string | undefined,
  names: BrokerNames,
): Promise<Running & { record(letter: DeadLetter): Promise<void> }> {
  const broker = amqpUrl ? await connectBroker(amqpUrl, 'carrier webhook').catch(() => undefined) : undefined;
  const channel = broker ? await broker.createChannel() : undefined;
  if (channel) await declareTopology(channel, names);
  return {
    record: (letter) => recordDeadLetter(pool, letter, channel ? { channel, names } : undefined),
    stop: async () => {
      await broker?.close().catch(() => undefined);
    },
  };
}
