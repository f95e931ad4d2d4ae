/**
 * How the sandbox carrier sends its status updates when a broker is configured: to the
 * `carrier.events` queue, confirmed by the broker, as a real carrier's integration would, instead
 * of signalling the shipment workflow directly. The event id is `<shipmentId>:<event>`, so a resend
 * after a crash is deduplicated by the inbox.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { BrokerNames, InboundCarrierEvent } from '../domain';
import { connectBroker, declareTopology } from './amqp';

export interface CarrierPublisher {
  publish(event: InboundCarrierEvent): Promise<void>;
  close(): Promise<void>;
}

export function createCarrierPublisher(amqpUrl: string, names: BrokerNames): CarrierPublisher {
  let open: Promise<{ broker: ChannelModel; channel: ConfirmChannel }> | undefined;
  const connection = () => {
    open ??= (async () => {
      const broker = await connectBroker(amqpUrl, 'sandbox carrier');
      broker.on('close', () => (open = undefined));
      broker.on('error', () => (open = undefined));
      const channel = await broker.createConfirmChannel();
      await declareTopology(channel, names);
      return { broker, channel };
    })().catch((err: unknown) => {
      open = undefined;
      throw err;
    });
    return open;
  };
  return {
    async publish(event) {
      const { channel } = await connection();
      channel.sendToQueue(names.carrierEvents, Buffer.from(JSON.stringify(event)), {
        messageId: event.eventId,
        persistent: true,
        contentType: 'application/json',
      });
      await channel.waitForConfirms(); // a failure reaches the activity, which Temporal retries
    },
    async close() {
      const current = open;
      open = undefined;
      if (current) await (await current.catch(() => undefined))?.broker.close().catch(() => undefined);
    },
  };
}
