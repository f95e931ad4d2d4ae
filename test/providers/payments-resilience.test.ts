/**
 * The payment provider over HTTP, with faults on demand, on the real stack: the payments worker
 * calls the sandbox payments API through its breaker, bulkhead and timeout (src/providers). A 30%
 * error rate and a 60 s outage each end with every order delivered and charged once; the outage
 * opens the breaker (shown by `orders doctor`), cancels nothing, and the breaker closes after it.
 */
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { SERVICES } from '../../src/domain';
import { startSandboxPaymentsApi, type RunningPaymentsApi } from '../../src/providers/sandbox/payments-api';
import { httpPaymentProvider, type HttpPaymentProvider } from '../../src/providers/payments-http';
import { cliEnv } from '../support/cli';
import { evenlySpreadFaults } from '../support/faults';
import { cancelUpdate } from '../../workflows/order-api';
import { eventually, orderRequest, paymentOps, place, seedSku, testSettings, waitForView } from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(240_000);

const OUTAGE_MS = 60_000;
let api: RunningPaymentsApi;
let provider: HttpPaymentProvider;
let stack: TestWorkers;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startTestWorkers(SERVICES, undefined, {
    paymentProvider: {
      // Bound below, once the API listens: the workers need the provider at creation.
      savePaymentMethod: (r) => provider.savePaymentMethod(r),
      authorize: (r) => provider.authorize(r),
      capture: (r) => provider.capture(r),
      void: (r) => provider.void(r),
      refund: (r) => provider.refund(r),
      find: (k) => provider.find(k),
      health: () => provider.health(),
    } as HttpPaymentProvider,
  });
  api = await startSandboxPaymentsApi({
    provider: createSandboxPaymentProvider(stack.pool, { slowMs: 1_500 }),
    port: 0,
    host: '127.0.0.1',
    faults: evenlySpreadFaults(),
  });
  provider = httpPaymentProvider(api.url, {
    timeoutMs: 5_000,
    breakerFailures: 5,
    halfOpenAfterMs: 2_000,
    bulkheadLimit: 10,
    bulkheadQueue: 20,
  });
  env = cliEnv(stack.prefix, { PAYMENTS_URL: api.url });
});
afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});
afterEach(() => api.faults.clear());

async function placeOrders(n: number) {
  const sku = await seedSku(stack.pool, { priceCents: 1_250, stock: { east: n } });
  return Promise.all(
    Array.from({ length: n }, () =>
      place(stack.client, orderRequest({ items: [{ sku, quantity: 1 }] }), testSettings(), stack.prefix),
    ),
  );
}

/** One approved authorization and one approved capture, in our ledger and at the provider. */
async function chargedOnce(orderId: string): Promise<void> {
  const ledger = await stack.pool.query(
    `SELECT operation FROM payment_operations WHERE order_id = $1 AND status = 'approved' ORDER BY operation`,
    [orderId],
  );
  expect(ledger.rows.map((r) => r.operation)).toEqual(['authorize', 'capture']);
  const remote = await stack.pool.query(
    `SELECT operation FROM sandbox_payments WHERE order_id = $1 ORDER BY operation`,
    [orderId],
  );
  expect(remote.rows.map((r) => r.operation)).toEqual(['authorize', 'capture']);
}

test('a 30% error rate at the provider: every order is delivered and charged once', async () => {
  const set = await runCli(['sandbox', 'faults', 'payments', '--error-rate', '0.3', '--json'], env);
  expect(set).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(set.stdout)).toMatchObject({ provider: 'payments', faults: { errorRate: 0.3 } });
  const orders = await placeOrders(8);
  for (const o of orders) expect((await o.handle.result()).status).toBe('Delivered');
  for (const o of orders) await chargedOnce(o.orderId);
  const shown = await runCli(['sandbox', 'faults', 'payments'], env);
  expect(shown.stdout).toContain('payments: error rate 0.3');
  expect(api.faults.state().injected.errors).toBeGreaterThan(0); // the faults really happened
});

test('a 60 s outage opens the breaker and cancels nothing; afterwards every order completes with one capture', async () => {
  const openedBefore = provider.health().opened;
  const set = await runCli(['sandbox', 'faults', 'payments', '--outage', `${OUTAGE_MS / 1000}s`], env);
  expect(set.code).toBe(0);
  const started = Date.now();
  const orders = await placeOrders(4);
  await eventually(async () => (provider.health().breaker === 'open' ? true : undefined));
  const doctor = await runCli(['doctor'], env);
  expect(doctor.stdout).toMatch(/payments .*provider: HTTP, breaker (open|half-open)/);
  for (const o of orders) {
    const view = await o.handle.result();
    expect(view.status).toBe('Delivered');
    expect(view.history.map((h) => h.status)).not.toContain('Cancelled');
  }
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(OUTAGE_MS - 1_000); // they waited it out
  // ...and moved as soon as the provider was back: the retries follow the breaker's half-open
  // time, not an activity backoff grown to 30 s during the outage.
  expect(took).toBeLessThan(OUTAGE_MS + 20_000);
  for (const o of orders) await chargedOnce(o.orderId);
  expect(provider.health()).toMatchObject({ breaker: 'closed' });
  expect(provider.health().opened).toBeGreaterThan(openedBefore);
  expect(api.faults.state().injected.outage).toBeGreaterThanOrEqual(5);
});

test('"not now" answers (429 with Retry-After) delay orders and never fail them: delivered, charged once', async () => {
  const set = await runCli(
    ['sandbox', 'faults', 'payments', '--transient-rate', '0.5', '--transient-status', '429', '--retry-after', '1'],
    env,
  );
  expect(set.code).toBe(0);
  const openedBefore = provider.health().opened;
  const orders = await placeOrders(4);
  for (const o of orders) expect((await o.handle.result()).status).toBe('Delivered');
  for (const o of orders) await chargedOnce(o.orderId);
  expect(api.faults.state().injected.transient).toBeGreaterThan(0);
  expect(provider.health().opened).toBe(openedBefore); // "not now" is not an outage: the breaker stays closed
});

test('a refund answered 409 "in progress" and 408 is made once the provider takes it: one refund, at both ends', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_499, stock: { east: 1 } });
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings({ sandboxCarrier: false }),
    stack.prefix,
  );
  await waitForView(handle, (v) => v.shipments.some((s) => s.status === 'Booked'));
  api.faults.set({ transientRate: 1, transientStatus: 409, retryAfterS: 1 });
  const cancelled = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
  await eventually(async () => (api.faults.state().injected.transient >= 2 ? true : undefined));
  api.faults.set({ transientStatus: 408 });
  const seen = api.faults.state().injected.transient;
  await eventually(async () => (api.faults.state().injected.transient > seen ? true : undefined));
  api.faults.clear();
  const view = await cancelled;
  expect(view).toMatchObject({ status: 'Refunded', payment: { refundedCents: view.totalCents } });
  const ops = await paymentOps(stack.pool, orderId);
  expect(ops.map((o) => [o.operation, o.status, Number(o.amount_cents)])).toEqual([
    ['authorize', 'approved', view.totalCents],
    ['capture', 'approved', view.totalCents],
    ['refund', 'approved', view.totalCents],
  ]);
  const remote = await stack.pool.query(
    `SELECT operation FROM sandbox_payments WHERE order_id = $1 AND operation = 'refund'`,
    [orderId],
  );
  expect(remote.rowCount).toBe(1);
});

test('orders sandbox faults refuses bad flags with exit 2 and changes nothing', async () => {
  const bad = await runCli(
    ['sandbox', 'faults', 'payments', '--error-rate', '1.5', '--latency', 'soon', '--transient-status', '404'],
    env,
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--error-rate: must be a number from 0 to 1');
  expect(bad.stderr).toContain('--latency: must be a duration');
  expect(bad.stderr).toContain('--transient-status: must be one of 408, 409, 425, 429');
  const other = await runCli(['sandbox', 'faults', 'fedex', '--outage', '5s'], env);
  expect(other.code).toBe(2);
  expect(other.stderr).toContain('provider: must be one of payments, carrier');
  expect(api.faults.state()).toMatchObject({ errorRate: 0, latencyMs: 0, outageUntil: null, transientRate: 0 });
});
