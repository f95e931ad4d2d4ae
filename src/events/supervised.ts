/**
 * Keeps one broker consumer alive: connects, sets it up, and when the connection drops (broker
 * restart, network) connects again (src/events/supervisor.ts), until stopped.
 */
import type { Channel } from 'amqplib';
import type { BrokerNames } from '../domain';
import { connectBroker, declareTopology } from './amqp';
import { logger } from '../logger';
import { supervise, type Running } from './supervisor';

export function supervisedConsumer(
  amqpUrl: string,
  names: BrokerNames,
  part: string,
  setup: (channel: Channel) => Promise<void>,
): Running {
  return supervise(part, async (control) => {
    const broker = await connectBroker(amqpUrl, part);
    try {
      const channel = await broker.createChannel();
      await declareTopology(channel, names);
      await setup(channel);
      logger.info({ part }, 'consumer running');
      // Until stopped, or until the connection closes: then a new session connects again.
      await control.pause(undefined, (closed) => {
        broker.on('close', closed);
        broker.on('error', (err: Error) => logger.warn({ err, part }, 'broker connection error'));
      });
    } finally {
      await broker.close().catch(() => undefined);
    }
  });
}
