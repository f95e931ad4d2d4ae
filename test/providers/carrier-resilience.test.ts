/**
 * The carrier over HTTP, with faults on demand, on the real stack: the shipping worker books and
 * cancels parcels at the sandbox carrier's API through its breaker, bulkhead and timeout. With 30%
 * of calls refused (set through `orders sandbox faults carrier`), every order is delivered with one
 * booking per parcel; a cancelled order's booking is cancelled at the carrier too.
 */
import { createSandboxCarrier } from '../../src/providers/sandbox/carrier';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { SERVICES } from '../../src/domain';
import { startSandboxCarrierApi, type RunningCarrierApi } from '../../src/providers/sandbox/carrier-api';
import { startSandboxPaymentsApi } from '../../src/providers/sandbox/payments-api';
import { httpCarrier, type HttpCarrier } from '../../src/providers/carrier-http';
import { cancelUpdate } from '../../workflows/order-api';
import { cliEnv } from '../support/cli';
import { evenlySpreadFaults } from '../support/faults';
import { eventually, orderRequest, place, seedSku, testSettings } from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(180_000);

let api: RunningCarrierApi;
let carrier: HttpCarrier;
let stack: TestWorkers;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startTestWorkers(SERVICES, undefined, {
    // Bound below, once the API listens: the workers need the carrier at creation.
    carrier: {
      book: (r) => carrier.book(r),
      cancel: (r) => carrier.cancel(r),
      health: () => carrier.health(),
    } as HttpCarrier,
  });
  api = await startSandboxCarrierApi({
    carrier: createSandboxCarrier(stack.pool),
    port: 0,
    host: '127.0.0.1',
    faults: evenlySpreadFaults(),
  });
  carrier = httpCarrier(api.url, {
    timeoutMs: 5_000,
    breakerFailures: 5,
    halfOpenAfterMs: 1_000,
    bulkheadLimit: 10,
    bulkheadQueue: 20,
  });
  env = cliEnv(stack.prefix, { CARRIER_URL: api.url });
});
afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});
afterEach(() => api.faults.clear());

async function bookingsOf(orderIds: string[]) {
  const { rows } = await stack.pool.query<{ shipment_id: string; status: string; ours: string }>(
    `SELECT b.shipment_id, b.status, s.status AS ours FROM sandbox_carrier_bookings b
     JOIN shipments s ON s.carrier_ref = b.carrier_ref WHERE s.order_id = ANY($1) ORDER BY b.shipment_id`,
    [orderIds],
  );
  return rows;
}

test('a 30% error rate at the carrier: every order is delivered with one booking per parcel', async () => {
  const set = await runCli(['sandbox', 'faults', 'carrier', '--error-rate', '0.3', '--json'], env);
  expect(set.code).toBe(0);
  expect(JSON.parse(set.stdout)).toMatchObject({ provider: 'carrier', faults: { errorRate: 0.3 } });
  const sku = await seedSku(stack.pool, { priceCents: 900, stock: { east: 8 } });
  const orders = await Promise.all(
    Array.from({ length: 8 }, () =>
      place(stack.client, orderRequest({ items: [{ sku, quantity: 1 }] }), testSettings(), stack.prefix),
    ),
  );
  for (const o of orders) expect((await o.handle.result()).status).toBe('Delivered');
  const bookings = await bookingsOf(orders.map((o) => o.orderId));
  expect(bookings).toHaveLength(8);
  for (const b of bookings) expect(b).toMatchObject({ status: 'BOOKED', ours: 'DELIVERED' });
  // Faults were injected, and retried with the same key: still one booking per parcel.
  expect(api.faults.state().injected.errors).toBeGreaterThan(0);
  // `orders doctor` shows the shipping worker's carrier client: over HTTP, its breaker closed again.
  const doctor = await runCli(['doctor'], env);
  expect(doctor.stdout).toMatch(/shipping .*carrier: HTTP, breaker closed/);
});

test('a booked parcel of a cancelled order is cancelled at the carrier', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 900, stock: { east: 1 } });
  // The carrier never picks it up (SANDBOX_CARRIER off for this order): cancel while it is booked.
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings({ sandboxCarrier: false }),
    stack.prefix,
  );
  await eventually(async () => ((await bookingsOf([orderId])).length ? true : undefined));
  const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
  expect(cancelled.status).toMatch(/Cancelled|Refunded/);
  expect(await bookingsOf([orderId])).toEqual([expect.objectContaining({ status: 'CANCELLED', ours: 'CANCELLED' })]);
});

test('faults without a provider: injecting is refused with exit 2; --clear clears every provider', async () => {
  const payments = await startSandboxPaymentsApi({
    provider: createSandboxPaymentProvider(stack.pool),
    port: 0,
    host: '127.0.0.1',
  });
  try {
    const both = { ...env, PAYMENTS_URL: payments.url };
    const refused = await runCli(['sandbox', 'faults', '--outage', '30s'], both);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('provider: name the provider');
    expect(payments.faults.state().outageUntil).toBeFalsy();
    expect(api.faults.state().outageUntil).toBeFalsy();

    for (const which of ['payments', 'carrier'])
      expect((await runCli(['sandbox', 'faults', which, '--error-rate', '0.5'], both)).code).toBe(0);
    const cleared = await runCli(['sandbox', 'faults', '--clear', '--json'], both);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toEqual([
      expect.objectContaining({ provider: 'payments', faults: expect.objectContaining({ errorRate: 0 }) }),
      expect.objectContaining({ provider: 'carrier', faults: expect.objectContaining({ errorRate: 0 }) }),
    ]);
    expect([payments.faults.state().errorRate, api.faults.state().errorRate]).toEqual([0, 0]);
  } finally {
    await payments.stop();
  }
});
