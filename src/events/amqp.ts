/**
 * RabbitMQ (AMQP 0-9-1, amqplib): one connection per process part that needs it, and the topology
 * every part declares before use (declaring is idempotent, so no part depends on another's start).
 */
import { connect, type Channel, type ChannelModel } from 'amqplib';
import type { BrokerNames } from '../domain';

/** Connects, naming the connection after the part (the RabbitMQ management UI shows it). */
export async function connectBroker(url: string, part: string): Promise<ChannelModel> {
  return connect(url, { clientProperties: { connection_name: `durable-orders ${part}` } });
}

/**
 * Exchanges and queues, all durable: order events (topic, routing key = event type), the
 * notifications queue bound to all of them, the inbound carrier queue, and the dead-letter queue
 * a consumer moves a message it cannot handle to.
 */
export async function declareTopology(channel: Channel, names: BrokerNames): Promise<void> {
  await channel.assertExchange(names.orderEvents, 'topic', { durable: true });
  await channel.assertQueue(names.deadLetter, { durable: true });
  await channel.assertQueue(names.notifications, { durable: true });
  await channel.bindQueue(names.notifications, names.orderEvents, '#');
  await channel.assertQueue(names.carrierEvents, { durable: true });
}

/** The URL without its password, for logs and the start banner. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable AMQP_URL)';
  }
}
