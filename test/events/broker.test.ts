/**
 * The event side on the real stack with RabbitMQ (AMQP_URL; global setup finds the machine's
 * broker, and in CI requires it): the outbox relay as a real `worker.js --events relay` process that
 * is SIGKILLed mid-stream, the notifications consumer with its mail sender (to the sandbox mail
 * sink), and carrier events coming in through the `carrier.events` queue, all on exchange and queue
 * names of this file's own.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { createShippingActivities } from '../../activities/shipping/activities';
import {
  SERVICES,
  brokerNames,
  notificationsFor,
  type CarrierEventMessage,
  type OrderEventType,
} from '../../src/domain';
import { createCarrierPublisher, type CarrierPublisher } from '../../src/events/carrier-publisher';
import { startEventProcessors, type EventProcessors } from '../../src/events/processors';
import { toMessage } from '../../src/events/outbox-relay';
import { declareTopology } from '../../src/events/amqp';
import { carrierEventSignal } from '../../workflows/order-api';
import {
  eventually,
  orderRequest,
  placeOneLine,
  place,
  seedSku,
  testPolicy,
  testSettings,
  uid,
} from '../support/orders';
import { spawnNode, type Spawned } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { reportToOrderVia } from '../../src/runtime/order-reports';
import { DEFAULT_ADDRESSING } from '../../src/events/mail-message';
import { listMailbox } from '../../src/providers/sandbox/mailbox';
import { startMailSink } from '../../src/providers/sandbox/mail-sink';
import type { Listening } from '../../src/runtime/http-listen';

const amqpUrl = process.env.AMQP_URL;
const prefix = `t${randomUUID().slice(0, 8)}-`;
const names = brokerNames(prefix);
const APPROVAL_WINDOW_MS = 4_000;

let stack: TestWorkers;
let publisher: CarrierPublisher;
let processors: EventProcessors;
let relay: Spawned;
let mailSink: Listening;
let probe: { broker: ChannelModel; channel: Channel; seen: Array<{ id: string; orderId: string; type: string }> };

function startRelay(): Spawned {
  return spawnNode('worker.js', ['--events', 'relay'], {
    ...process.env,
    TASK_QUEUE_PREFIX: prefix,
    RELAY_POLL_MS: '50',
    LOG_LEVEL: 'info',
  });
}

/** A queue of the test's own bound to every order event: what a downstream consumer would see. */
async function startProbe() {
  const broker = await connect(amqpUrl!);
  const channel = await broker.createChannel();
  await declareTopology(channel, names);
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, names.orderEvents, '#');
  const seen: Array<{ id: string; orderId: string; type: string }> = [];
  await channel.consume(
    queue,
    (m) => {
      if (!m) return;
      const body = JSON.parse(m.content.toString()) as { orderId: string; type: string };
      seen.push({ id: String(m.properties.messageId), orderId: body.orderId, type: body.type });
    },
    { noAck: true },
  );
  return { broker, channel, seen };
}

const describeWithBroker = amqpUrl ? describe : describe.skip;

describeWithBroker('events through RabbitMQ', () => {
  beforeAll(async () => {
    probe = await startProbe();
    publisher = createCarrierPublisher(amqpUrl!, names);
    stack = await startTestWorkers(SERVICES, undefined, {
      prefix,
      publishCarrierEvent: publisher.publish,
      policy: testPolicy({ approvalTimeoutMs: APPROVAL_WINDOW_MS }),
    });
    const signalShipment = (workflowId: string, message: CarrierEventMessage) =>
      stack.client.workflow.getHandle(workflowId).signal(carrierEventSignal, message);
    mailSink = await startMailSink({ pool: stack.pool, port: 0 });
    processors = await startEventProcessors({
      pool: stack.pool,
      amqpUrl,
      names,
      parts: ['notifications', 'carrier-events'],
      relayPollMs: 50,
      mail: { smtpUrl: mailSink.url, addressing: DEFAULT_ADDRESSING, pollMs: 50 },
      carrier: {
        recordCarrierEvent: createShippingActivities(stack.pool, {
          signalShipment,
          reportToOrder: reportToOrderVia(stack.client),
        }).recordCarrierEvent,
        signalShipment,
      },
    });
    relay = startRelay();
    await relay.waitFor(/workers polling/);
  });

  afterAll(async () => {
    await relay?.stop('SIGTERM');
    await processors?.stop();
    await mailSink?.stop();
    await stack?.stop();
    await publisher?.close();
    await probe?.channel.deleteExchange(names.orderEvents).catch(() => undefined);
    for (const q of [names.notifications, names.carrierEvents, names.deadLetter])
      await probe?.channel.deleteQueue(q).catch(() => undefined);
    await probe?.broker.close();
  });

  async function outboxOf(orderIds: string[]) {
    const { rows } = await stack.pool.query<{ id: string; order_id: string; event_type: OrderEventType }>(
      `SELECT id, order_id, event_type, payload, created_at, published_at FROM outbox
       WHERE order_id = ANY($1) ORDER BY id`,
      [orderIds],
    );
    return rows as Array<Parameters<typeof toMessage>[0] & { published_at: Date | null }>;
  }

  async function notificationsOf(orderIds: string[]) {
    const { rows } = await stack.pool.query<{ event_id: string; recipient: string; kind: string }>(
      'SELECT event_id, recipient, kind FROM notifications WHERE order_id = ANY($1) ORDER BY event_id, recipient',
      [orderIds],
    );
    return rows;
  }

  /** What the notifications consumer must have written for these rows: notificationsFor each, once. */
  function expectedNotifications(rows: Array<Parameters<typeof toMessage>[0]>) {
    return rows
      .flatMap((row) =>
        notificationsFor(toMessage(row)).map((n) => ({
          event_id: String(row.id),
          recipient: n.recipient,
          kind: n.kind,
        })),
      )
      .sort((a, b) => a.event_id.localeCompare(b.event_id) || a.recipient.localeCompare(b.recipient));
  }

  /**
   * The notifications consumer takes one message at a time, in queue order: once a marker sent
   * after the events has been dead-lettered, every event before it has been handled.
   */
  async function notificationsDrained(): Promise<GetMessage> {
    const marker = uid('marker');
    probe.channel.sendToQueue(names.notifications, Buffer.from(`marker ${marker}`), { messageId: marker });
    const row = await eventually(async () => {
      const { rows } = await stack.pool.query('SELECT source, reason FROM dead_letters WHERE message_id = $1', [
        marker,
      ]);
      return rows[0] as { source: string; reason: string } | undefined;
    });
    expect(row).toEqual({ source: names.notifications, reason: 'not JSON' });
    return eventually(async () => {
      for (;;) {
        const m = await probe.channel.get(names.deadLetter, { noAck: true });
        if (!m) return undefined;
        if (m.properties.messageId === marker) return m;
      }
    });
  }

  function firstSightings(orderIds: string[]) {
    const first = new Map<string, { orderId: string; type: string }>();
    for (const m of probe.seen) if (orderIds.includes(m.orderId) && !first.has(m.id)) first.set(m.id, m);
    return [...first.entries()].map(([id, m]) => ({ id, ...m }));
  }

  test('orders through a relay SIGKILLed twice mid-stream: every event on orders.events in outbox order, one notification each, carrier messages moved the shipments', async () => {
    const sku = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 20 } });
    const placed = await Promise.all(
      [1, 2, 3, 4].map(() =>
        place(stack.client, orderRequest({ items: [{ sku, quantity: 1 }] }), testSettings(), stack.prefix),
      ),
    );
    const orderIds = placed.map((p) => p.orderId);
    for (let kill = 1; kill <= 2; kill++) {
      // Kill while these orders are still producing events, right after the relay has published one.
      const before = probe.seen.length;
      await eventually(async () =>
        probe.seen.slice(before).some((m) => orderIds.includes(m.orderId)) ? true : undefined,
      );
      await relay.stop('SIGKILL');
      relay = startRelay();
      await relay.waitFor(/workers polling/);
    }
    for (const p of placed) expect((await p.handle.result()).status).toBe('Delivered');

    const rows = await eventually(async () => {
      const r = await outboxOf(orderIds);
      return r.every((row) => row.published_at) ? r : undefined;
    });
    await eventually(async () => (firstSightings(orderIds).length === rows.length ? true : undefined));
    const seen = firstSightings(orderIds);
    // Each order's events arrived in the order they were written, and nothing else arrived.
    expect(seen.map((m) => m.id)).toEqual(rows.map((r) => String(r.id)));
    expect(seen.map((m) => m.type)).toEqual(rows.map((r) => r.event_type));
    for (const id of orderIds)
      expect(seen.filter((m) => m.orderId === id).map((m) => m.type)).toEqual([
        'OrderPlaced',
        'InventoryReserved',
        'PaymentCaptured',
        'OrderShipped',
        'OrderDelivered',
      ]);

    const deadLettered = await notificationsDrained();
    expect(deadLettered.properties.headers).toMatchObject({ 'x-reason': 'not JSON', 'x-source': names.notifications });
    expect(await notificationsOf(orderIds)).toEqual(expectedNotifications(rows));
    expect((await notificationsOf(orderIds)).filter((n) => n.event_id === String(rows[0]!.id))).toEqual([
      { event_id: String(rows[0]!.id), recipient: 'customer', kind: 'order-confirmation' },
    ]);

    // The sandbox carrier published every update to carrier.events; the inbox took each once.
    const inbox = await stack.pool.query<{ event: string; source: string }>(
      `SELECT i.event, i.source FROM carrier_event_inbox i JOIN shipments s USING (shipment_id)
       WHERE s.order_id = ANY($1) ORDER BY i.received_at`,
      [orderIds],
    );
    expect(inbox.rows).toHaveLength(3 * orderIds.length);
    expect(new Set(inbox.rows.map((r) => r.source))).toEqual(new Set(['queue']));
    const shipments = await stack.pool.query('SELECT status FROM shipments WHERE order_id = ANY($1)', [orderIds]);
    expect(shipments.rows.map((r) => r.status)).toEqual(orderIds.map(() => 'DELIVERED'));

    // Published again (a relay that died after publishing, before stamping): consumers see the
    // same message ids again and the mailbox does not change.
    const notifiedBefore = await notificationsOf(orderIds);
    const again = probe.seen.length;
    await stack.pool.query('UPDATE outbox SET published_at = NULL WHERE order_id = $1', [orderIds[0]]);
    const oneOrder = rows.filter((r) => r.order_id === orderIds[0]).map((r) => String(r.id));
    await eventually(async () => {
      const ids = probe.seen.slice(again).map((m) => m.id);
      return oneOrder.every((id) => ids.includes(id)) ? true : undefined;
    });
    await notificationsDrained();
    expect(await notificationsOf(orderIds)).toEqual(notifiedBefore);
  });

  test('an approval that times out: request, half-way reminder and last call to each approver, then the cancellation to the customer', async () => {
    const { orderId, handle } = await placeOneLine(stack, { priceCents: 150_000, stock: { east: 2 } });
    expect(await handle.result()).toMatchObject({ status: 'Cancelled', failureReason: 'approval-timeout' });
    await eventually(async () => ((await outboxOf([orderId])).every((r) => r.published_at) ? true : undefined));
    await notificationsDrained();
    const { rows } = await stack.pool.query<{ kind: string; recipient: string; subject: string }>(
      'SELECT kind, recipient, subject FROM notifications WHERE order_id = $1 ORDER BY id',
      [orderId],
    );
    expect(rows.map((r) => `${r.kind} → ${r.recipient}`)).toEqual([
      'order-confirmation → customer',
      'approval-request → approver:alice',
      'approval-request → approver:bob',
      'approval-reminder → approver:alice',
      'approval-reminder → approver:bob',
      'approval-reminder → approver:alice',
      'approval-reminder → approver:bob',
      'cancelled → customer',
    ]);
    expect(rows[3]!.subject).toBe(`Reminder: order ${orderId} needs your approval`);
    const reminders = await stack.pool.query<{ reminder: string }>(
      `SELECT payload->>'reminder' AS reminder FROM outbox WHERE order_id = $1 AND event_type = 'ApprovalReminder' ORDER BY id`,
      [orderId],
    );
    expect(reminders.rows.map((r) => r.reminder)).toEqual(['half-way', 'last-call']);
    // Each left as mail (SMTP to the sandbox sink): the customer's to the address made from its id.
    const mailbox = await eventually(async () => {
      const received = await listMailbox(stack.pool, { orderId, limit: 20 });
      return received.length === rows.length ? received : undefined;
    }).catch(async (err: Error) => {
      // Say where the mail stands: each row's state, and what the sink has, so a failure shows its cause.
      const states = await stack.pool.query(
        `SELECT kind, recipient, mail_status, mail_attempts, mail_next_at, mail_error FROM notifications WHERE order_id = $1`,
        [orderId],
      );
      const pending = await stack.pool.query(
        `SELECT count(*)::int AS n FROM notifications WHERE mail_status = 'pending'`,
      );
      const received = await listMailbox(stack.pool, { orderId, limit: 20 });
      throw new Error(
        `${err.message}: ${received.length} mail(s) received; rows ${JSON.stringify(states.rows)}; pending in all ${pending.rows[0].n}`,
      );
    });
    const { rows: customer } = await stack.pool.query('SELECT customer_id FROM orders WHERE order_id = $1', [orderId]);
    expect(mailbox[0]).toMatchObject({
      to: [`customer-${customer[0].customer_id}@customers.example`],
      subject: `Order ${orderId} was cancelled`,
    });
  });

  test('a carrier message for a shipment nobody booked goes to the dead-letter queue with its reason', async () => {
    const eventId = uid('evt');
    const shipmentId = uid('shp-unknown');
    probe.channel.sendToQueue(
      names.carrierEvents,
      Buffer.from(JSON.stringify({ eventId, shipmentId, event: 'picked-up' })),
      { messageId: eventId },
    );
    const garbage = uid('garbage');
    probe.channel.sendToQueue(names.carrierEvents, Buffer.from(JSON.stringify({ eventId: garbage })), {
      messageId: garbage,
    });
    const letters = await eventually(async () => {
      const { rows } = await stack.pool.query<{ message_id: string; reason: string; source: string }>(
        'SELECT message_id, reason, source FROM dead_letters WHERE message_id = ANY($1) ORDER BY message_id',
        [[eventId, garbage]],
      );
      return rows.length === 2 ? rows : undefined;
    });
    expect(letters.find((l) => l.message_id === eventId)).toEqual({
      message_id: eventId,
      reason: `unknown shipment ${shipmentId}`,
      source: names.carrierEvents,
    });
    expect(letters.find((l) => l.message_id === garbage)?.reason).toMatch(/^not a carrier event: .*shipmentId/);
    const inbox = await stack.pool.query('SELECT 1 FROM carrier_event_inbox WHERE event_id = $1', [eventId]);
    expect(inbox.rowCount).toBe(0);
  });
});
