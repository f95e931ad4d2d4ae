/**
 * Without a broker: events wait in the outbox and `orders events` lists them; the carrier webhook
 * (the other way carrier updates come in) moves a shipment, dedups by event id, and refuses what it
 * cannot take with a status that says why.
 */
import { createShippingActivities } from '../../activities/shipping/activities';
import { SERVICES, brokerNames, type CarrierEventMessage } from '../../src/domain';
import { startEventProcessors, type EventProcessors } from '../../src/events/processors';
import { SIGNATURE_HEADER, signWebhookBody } from '../../src/events/webhook-signature';
import { startCarrierWebhook } from '../../src/events/carrier-webhook';
import { carrierEventSignal, statusQuery } from '../../workflows/order-api';
import { cliEnv } from '../support/cli';
import { orderRequest, place, seedSku, testSettings, uid, waitForView } from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { reportToOrderVia } from '../../src/runtime/order-reports';

const SECRET = 'carrier-webhook-secret-for-tests-0123456789';
let stack: TestWorkers;
let processors: EventProcessors;
let url: string;

beforeAll(async () => {
  stack = await startTestWorkers(SERVICES); // no publishCarrierEvent: the sandbox carrier would signal directly
  const signalShipment = (workflowId: string, message: CarrierEventMessage) =>
    stack.client.workflow.getHandle(workflowId).signal(carrierEventSignal, message);
  processors = await startEventProcessors({
    pool: stack.pool,
    amqpUrl: undefined, // no broker: relay and notifications do not run
    names: brokerNames(stack.prefix),
    parts: ['relay', 'notifications', 'carrier-events'],
    relayPollMs: 50,
    carrier: {
      recordCarrierEvent: createShippingActivities(stack.pool, {
        signalShipment,
        reportToOrder: reportToOrderVia(stack.client),
      }).recordCarrierEvent,
      signalShipment,
    },
    webhook: { port: 0, host: '127.0.0.1', secret: SECRET },
  });
  url = `${processors.webhookUrl!}/carrier/events`;
});
afterAll(async () => {
  await processors?.stop();
  await stack?.stop();
});

/** POSTs an event signed with `secret` as the carrier would (null: unsigned; `at`: when it was signed). */
async function post(body: unknown, secret: string | null = SECRET, at?: Date) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(secret ? { [SIGNATURE_HEADER]: signWebhookBody(secret, text, at) } : {}),
    },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

test('carrier updates through the webhook deliver an order; a repeat is a duplicate; events wait in the outbox', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_999, stock: { west: 4 } });
  // No sandbox carrier: only the webhook moves this parcel.
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings({ sandboxCarrier: false }),
    stack.prefix,
  );
  const view = await waitForView(handle, (v) => v.shipments.length === 1 && v.shipments[0]!.status === 'Booked');
  const shipmentId = view.shipments[0]!.shipmentId;

  // Unsigned, signed with another key, or signed ten minutes ago: refused, and nothing moves.
  const pickup = { eventId: `${shipmentId}:p`, shipmentId, event: 'picked-up' };
  expect(await post(pickup, null)).toEqual({
    status: 401,
    body: { error: expect.stringMatching(/^carrier-signature: required/) },
  });
  expect(await post(pickup, 'another-secret-that-is-long-enough-000')).toEqual({
    status: 401,
    body: { error: 'carrier-signature: does not match the body' },
  });
  expect(await post(pickup, SECRET, new Date(Date.now() - 600_000))).toEqual({
    status: 401,
    body: { error: expect.stringMatching(/^carrier-signature: t is more than 300 s from now/) },
  });
  expect((await handle.query(statusQuery)).shipments[0]!.status).toBe('Booked');
  expect(await post({ eventId: `${shipmentId}:p`, shipmentId, event: 'picked-up' })).toEqual({
    status: 200,
    body: { status: 'handled' },
  });
  expect(await post({ eventId: `${shipmentId}:p`, shipmentId, event: 'picked-up' })).toEqual({
    status: 200,
    body: { status: 'duplicate' },
  });
  for (const event of ['in-transit', 'delivered'])
    expect((await post({ eventId: `${shipmentId}:${event}`, shipmentId, event })).body).toEqual({ status: 'handled' });
  expect((await handle.result()).status).toBe('Delivered');

  const inbox = await stack.pool.query('SELECT event, source FROM carrier_event_inbox WHERE shipment_id = $1', [
    shipmentId,
  ]);
  expect(inbox.rows.sort((a, b) => a.event.localeCompare(b.event))).toEqual([
    { event: 'delivered', source: 'webhook' },
    { event: 'in-transit', source: 'webhook' },
    { event: 'picked-up', source: 'webhook' },
  ]);
  const events = await stack.pool.query('SELECT event FROM shipment_events WHERE shipment_id = $1 ORDER BY at', [
    shipmentId,
  ]);
  expect(events.rows.map((r) => r.event)).toEqual(['picked-up', 'in-transit', 'delivered']);

  // No broker: every event of the order waits in the outbox, and the CLI says so.
  const env = cliEnv(stack.prefix);
  const listed = await runCli(['events', '--order', orderId, '--json'], env);
  expect(listed.code).toBe(0);
  const { events: outbox } = JSON.parse(listed.stdout) as {
    events: Array<{ type: string; publishedAt: string | null }>;
  };
  expect(outbox.map((e) => e.type).reverse()).toEqual([
    'OrderPlaced',
    'InventoryReserved',
    'PaymentCaptured',
    'OrderShipped',
    'OrderDelivered',
  ]);
  expect(outbox.every((e) => e.publishedAt === null)).toBe(true);
  const table = await runCli(['events', '--order', orderId, '--unpublished'], env);
  expect(table.stdout).toContain('waiting in the outbox');
  const mailbox = await runCli(['notifications', '--order', orderId], env);
  expect(mailbox.stdout.trim()).toBe(`no notifications for order ${orderId}`);
});

test('the webhook refuses bad input by field, and dead-letters an event for a shipment nobody booked', async () => {
  expect(await post('{not json')).toEqual({ status: 400, body: { error: 'body: not JSON' } });
  const bad = await post({ eventId: 'e1', shipmentId: 's1', event: 'teleported' });
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatch(/^not a carrier event: event/);

  const eventId = uid('evt');
  const shipmentId = uid('shp-nobody');
  expect(await post({ eventId, shipmentId, event: 'picked-up' })).toEqual({
    status: 404,
    body: { error: `unknown shipment ${shipmentId}` },
  });
  const letters = await stack.pool.query('SELECT source, reason FROM dead_letters WHERE message_id = $1', [eventId]);
  expect(letters.rows).toEqual([{ source: 'carrier-webhook', reason: `unknown shipment ${shipmentId}` }]);
  const dlq = await runCli(['events', '--dead-letters', '--json'], cliEnv(stack.prefix));
  expect(
    (JSON.parse(dlq.stdout) as { deadLetters: Array<{ messageId: string }> }).deadLetters.map((l) => l.messageId),
  ).toContain(eventId);
});

test('an unsigned webhook refuses to listen off loopback, and says what to set', async () => {
  const unreachable = {
    recordCarrierEvent: () => Promise.reject(new Error('unused')),
    signalShipment: () => Promise.resolve(),
  };
  await expect(
    startCarrierWebhook({ inbox: unreachable as never, deadLetter: async () => undefined, port: 0, host: '0.0.0.0' }),
  ).rejects.toThrow(/listen on 0\.0\.0\.0 unsigned: set CARRIER_WEBHOOK_SECRET/);
});

test('orders events refuses a bad --limit (exit 2) and reads nothing', async () => {
  const r = await runCli(['events', '--limit', '0'], cliEnv(stack.prefix));
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--limit: must be a whole number from 1 to 1000');
});
