/**
 * Returns on the real stack (issue 29): asked for through the Orders API, the parcel back through
 * the carrier's paths, the warehouse's signed inspection, the refund at the provider, the stock.
 */
import { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { returnWorkflowId, type ReturnView } from '../../src/domain';
import { loadDataConverter } from '../../src/runtime/data-converter';
import { carrierEventSignal, returnQuery } from '../../workflows/return-api';
import { buildTestApi, sessionToken, startTestApi } from '../support/api';
import { cliEnv } from '../support/cli';
import { runCli } from '../support/processes';
import { carrierEvent, eventually, placeBookedByHand, placeOneLine, stockOf, testPolicy, uid } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The sandbox carrier brings every parcel, the order's and the return's, by itself. */
let sandbox: TestWorkers;
let sandboxApi: FastifyInstance;
/** Parcels by hand (the test says when one arrives); a return's parcel has 3 s to arrive. */
let byHand: TestWorkers;
let byHandApi: FastifyInstance;
/** The by-hand stack's one approver (of goodwill refunds too). */
const APPROVER = uid('appr');

beforeAll(async () => {
  sandbox = await startTestWorkers(undefined, undefined, { policy: testPolicy({ returnParcelTimeoutMs: 60_000 }) });
  byHand = await startTestWorkers(undefined, undefined, {
    policy: testPolicy({ sandboxCarrier: false, returnParcelTimeoutMs: 3_000, approvers: [APPROVER] }),
  });
  sandboxApi = await buildTestApi(sandbox);
  byHandApi = await buildTestApi(byHand);
});
afterAll(async () => {
  await sandboxApi?.close();
  await byHandApi?.close();
  await sandbox?.stop();
  await byHand?.stop();
});

async function asStaff(pool: Pool, role: 'customer-service' | 'warehouse') {
  return bearer(await sessionToken(pool, uid(role === 'warehouse' ? 'wh' : 'cs'), role));
}

async function askReturn(
  api: FastifyInstance,
  pool: Pool,
  orderId: string,
  lines: Array<{ sku: string; quantity: number }>,
  rmaId = uid('rma'),
) {
  return api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/returns`,
    headers: await asStaff(pool, 'customer-service'),
    payload: { rmaId, lines, reason: 'does not fit' },
  });
}

async function inspect(
  api: FastifyInstance,
  pool: Pool,
  rmaId: string,
  lines: Array<{ sku: string; accepted: number; condition: 'resellable' | 'damaged'; note?: string }>,
) {
  return api.inject({
    method: 'POST',
    url: `/v1/returns/${rmaId}/inspect`,
    headers: await asStaff(pool, 'warehouse'),
    payload: { lines },
  });
}

const returnOf = (stack: TestWorkers, rmaId: string) =>
  stack.client.workflow.getHandle(returnWorkflowId(rmaId)).query(returnQuery);

async function untilStatus(stack: TestWorkers, rmaId: string, status: ReturnView['status']) {
  return eventually(async () => {
    const view = await returnOf(stack, rmaId);
    return view.status === status ? view : undefined;
  });
}

/** An order of `quantity` units delivered by hand: the by-hand stack's parcels wait for the test. */
async function deliveredByHand(quantity: number, priceCents = 2_000) {
  const placed = await placeBookedByHand(byHand, { priceCents, stock: { east: quantity } });
  await carrierEvent(byHand.client, placed.view, 'delivered');
  expect((await placed.handle.result()).status).toBe('Delivered');
  return placed;
}

/** The payment ledger's refunds of the order: [idempotency key, amount]. */
async function refundsOf(pool: Pool, orderId: string): Promise<Array<[string, number]>> {
  const { rows } = await pool.query<{ key: string; cents: string }>(
    `SELECT idempotency_key AS key, amount_cents AS cents FROM payment_operations
     WHERE order_id = $1 AND operation = 'refund' ORDER BY id`,
    [orderId],
  );
  return rows.map((r) => [r.key, Number(r.cents)]);
}

test('a return accepted in full: the label travels with the sandbox carrier, the line price is refunded, the stock is back', async () => {
  const { orderId, handle, sku } = await placeOneLine(sandbox, { priceCents: 2_000, stock: { east: 5 }, quantity: 2 });
  expect((await handle.result()).status).toBe('Delivered');
  expect(await stockOf(sandbox.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });

  const rmaId = uid('rma');
  const asked = await askReturn(sandboxApi, sandbox.pool, orderId, [{ sku, quantity: 2 }], rmaId);
  expect(asked.statusCode).toBe(201);
  expect(asked.json()).toMatchObject({ rmaId, status: 'AwaitingParcel', shipmentId: `${rmaId}-back` });

  await untilStatus(sandbox, rmaId, 'Received'); // the sandbox carrier brought it back
  const inspected = await inspect(sandboxApi, sandbox.pool, rmaId, [{ sku, accepted: 2, condition: 'resellable' }]);
  expect(inspected.statusCode).toBe(200);
  // 2 × 20.00 and the shipping (4.99 under 50.00): every unit came back.
  expect(inspected.json()).toMatchObject({ status: 'Refunded', refundedCents: 4_000 + 499 });

  expect(await refundsOf(sandbox.pool, orderId)).toEqual(
    expect.arrayContaining([
      [`${orderId}:refund:rma.${rmaId}.1`, 4_000],
      [`${orderId}:refund:returns.shipping`, 499],
    ]),
  );
  const provider = await sandbox.pool.query(
    `SELECT count(*)::int AS n FROM sandbox_payments WHERE order_id = $1 AND operation = 'refund'`,
    [orderId],
  );
  expect(provider.rows[0].n).toBe(2); // one provider record per refund
  expect(await stockOf(sandbox.pool, sku)).toEqual({ east: { onHand: 5, reserved: 0 } });
  const row = await sandbox.pool.query('SELECT status, refunded_cents FROM returns WHERE rma_id = $1', [rmaId]);
  expect(row.rows[0]).toEqual({ status: 'Refunded', refunded_cents: '4499' });
  const events = await sandbox.pool.query(
    `SELECT event_type FROM outbox WHERE order_id = $1 AND event_type LIKE 'Return%' ORDER BY id`,
    [orderId],
  );
  expect(events.rows.map((r) => r.event_type)).toEqual(['ReturnRequested', 'ReturnReceived', 'ReturnRefunded']);

  // The order's view shows its return and what it gave back.
  const order = await sandboxApi.inject({
    method: 'GET',
    url: `/v1/orders/${orderId}`,
    headers: await asStaff(sandbox.pool, 'customer-service'),
  });
  expect(order.json()).toMatchObject({
    returns: [{ rmaId, status: 'Refunded', refundedCents: 4_499 }],
    returnedCents: 4_499,
  });
});

test('a return with a damaged line: refunded, not restocked, written off', async () => {
  const { orderId, sku } = await deliveredByHand(3);
  const rmaId = uid('rma');
  expect((await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 2 }], rmaId)).statusCode).toBe(201);
  await byHand.client.workflow.getHandle(returnWorkflowId(rmaId)).signal(carrierEventSignal, { event: 'delivered' });
  await untilStatus(byHand, rmaId, 'Received');

  const inspected = await inspect(byHandApi, byHand.pool, rmaId, [
    { sku, accepted: 2, condition: 'damaged', note: 'crushed box, cracked casing' },
  ]);
  expect(inspected.json()).toMatchObject({ status: 'Refunded', refundedCents: 4_000 });
  expect(await stockOf(byHand.pool, sku)).toEqual({ east: { onHand: 0, reserved: 0 } });
  const writeOff = await byHand.pool.query('SELECT restocked, written_off FROM stock_returns WHERE rma_id = $1', [
    rmaId,
  ]);
  expect(writeOff.rows).toEqual([{ restocked: 0, written_off: 2 }]);
  // One unit is still with the customer: no shipping refund.
  expect(await refundsOf(byHand.pool, orderId)).toEqual([[`${orderId}:refund:rma.${rmaId}.1`, 4_000]]);
});

test('an expired return: the parcel never came, the label is cancelled, nothing is refunded', async () => {
  const { orderId, sku } = await deliveredByHand(1);
  const rmaId = uid('rma');
  expect((await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 1 }], rmaId)).statusCode).toBe(201);

  const view = await byHand.client.workflow.getHandle(returnWorkflowId(rmaId)).result();
  expect(view.status).toBe('Expired');
  expect(await refundsOf(byHand.pool, orderId)).toEqual([]);
  const parcel = await byHand.pool.query('SELECT status FROM shipments WHERE rma_id = $1', [rmaId]);
  expect(parcel.rows[0].status).toBe('CANCELLED');
  const late = await inspect(byHandApi, byHand.pool, rmaId, [{ sku, accepted: 1, condition: 'resellable' }]);
  expect(late.statusCode).toBe(409);
  // The same request again answers the ended return; nothing starts anew under its id.
  const again = await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 1 }], rmaId);
  expect(again.statusCode).toBe(200);
  expect(again.json()).toMatchObject({ rmaId, status: 'Expired' });
  expect((await byHand.client.workflow.getHandle(returnWorkflowId(rmaId)).describe()).status.name).toBe('COMPLETED');
  // The units are the customer's to return again.
  expect((await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 1 }])).statusCode).toBe(201);
});

test('a second return of the same line is refused, and nothing starts', async () => {
  const { orderId, sku } = await deliveredByHand(1);
  expect((await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 1 }])).statusCode).toBe(201);

  const rmaId = uid('rma');
  const second = await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 1 }], rmaId);
  expect(second.statusCode).toBe(409);
  expect(second.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(second.json().detail).toMatch(new RegExp(`${sku}: 1 asked, but only 0 of 1 delivered may still be returned`));
  const started = await byHand.pool.query('SELECT 1 FROM returns WHERE rma_id = $1', [rmaId]);
  expect(started.rowCount).toBe(0);
  const twice = await askReturn(byHandApi, byHand.pool, orderId, [
    { sku, quantity: 1 },
    { sku, quantity: 1 },
  ]);
  expect(twice.statusCode).toBe(400);
  expect(twice.json().detail).toMatch(/one line per SKU/);
  await expect(byHand.client.workflow.getHandle(returnWorkflowId(rmaId)).describe()).rejects.toThrow(/not found/i);
});

test('the inspection is the warehouse’s: customer service is refused, and a forged verdict without a signature too', async () => {
  const { orderId, sku } = await deliveredByHand(1);
  const rmaId = uid('rma');
  await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 1 }], rmaId);
  const handle = byHand.client.workflow.getHandle(returnWorkflowId(rmaId));
  await handle.signal(carrierEventSignal, { event: 'delivered' });
  await untilStatus(byHand, rmaId, 'Received');

  const cs = await byHandApi.inject({
    method: 'POST',
    url: `/v1/returns/${rmaId}/inspect`,
    headers: await asStaff(byHand.pool, 'customer-service'),
    payload: { lines: [{ sku, accepted: 1, condition: 'resellable' }] },
  });
  expect(cs.statusCode).toBe(403);
  // A client without the signing key (the test's own client holds one and would sign).
  const unsigned = new Client({
    connection: byHand.client.connection,
    namespace: 'default',
    dataConverter: loadDataConverter(),
  });
  const forged = await unsigned.workflow
    .getHandle(returnWorkflowId(rmaId))
    .executeUpdate('inspect', { args: [{ lines: [{ sku, accepted: 1, condition: 'resellable' }] }] })
    .catch((err: { cause?: Error }) => err.cause?.message);
  expect(forged).toMatch(/an unsigned inspect is refused/);
  expect((await returnOf(byHand, rmaId)).status).toBe('Received');
  expect(await refundsOf(byHand.pool, orderId)).toEqual([]);
});

test('the CLI: `orders returns request`, `inspect` and `show` as the logged-in users; bad lines are exit 2 with nothing started', async () => {
  const api = await startTestApi(byHand);
  try {
    const { orderId, sku } = await deliveredByHand(2, 1_500);
    const env = cliEnv(byHand.prefix);
    const desk = { ...env, ...(await api.cliAs(uid('desk'), 'customer-service')) };

    const bad = await runCli(['returns', 'request', orderId, '--line', `${sku}:0`, '--reason', 'x'], desk);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/lines\.0 \(--line\): the quantity must be a whole number of at least 1/);
    expect((await byHand.pool.query('SELECT 1 FROM returns WHERE order_id = $1', [orderId])).rowCount).toBe(0);

    const rmaId = uid('rma');
    const asked = await runCli(
      ['returns', 'request', orderId, '--line', `${sku}:1`, '--reason', 'a gift, not wanted', '--rma-id', rmaId],
      desk,
    );
    expect(asked.stdout).toMatch(new RegExp(`Return ${rmaId} of order ${orderId}: AwaitingParcel`));
    expect(asked.code).toBe(0);
    await byHand.client.workflow.getHandle(returnWorkflowId(rmaId)).signal(carrierEventSignal, { event: 'delivered' });
    await untilStatus(byHand, rmaId, 'Received');

    const warehouse = { ...env, ...(await api.cliAs(uid('wh'), 'warehouse')) };
    const inspected = await runCli(['returns', 'inspect', rmaId, '--line', `${sku}:1:resellable:as new`], warehouse);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(/Refunded/);
    const shown = await runCli(['returns', 'show', rmaId, '--json'], desk);
    expect(JSON.parse(shown.stdout).return).toMatchObject({
      status: 'Refunded',
      refundedCents: 1_500,
      lines: [{ sku, quantity: 1, accepted: 1, condition: 'resellable', note: 'as new' }],
    });

    // A goodwill refund of the unit the customer kept: bad amounts are exit 2, a small one is refunded at once.
    const zero = await runCli(['refunds', 'create', orderId, '--cents', '0', '--reason', 'scratch'], desk);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--cents: the amount in minor units/);
    const given = await runCli(
      ['refunds', 'create', orderId, '--cents', '300', '--sku', sku, '--reason', 'scratch'],
      desk,
    );
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(/: Refunded/);
    expect(await refundsOf(byHand.pool, orderId)).toEqual([
      [`${orderId}:refund:rma.${rmaId}.1`, 1_500],
      [expect.stringMatching(/:refund:gw\./), 300],
    ]);
  } finally {
    await api.stop();
  }
});

describe('refunds without a return (goodwill)', () => {
  async function askRefund(orderId: string, body: object, as?: Record<string, string>) {
    return byHandApi.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/refunds`,
      headers: as ?? (await asStaff(byHand.pool, 'customer-service')),
      payload: { reason: 'arrived scratched', ...body },
    });
  }

  test('over the threshold it waits for an approver (never the one who asked), then refunds once', async () => {
    const { orderId, sku } = await deliveredByHand(1, 8_000);
    const refundId = uid('gw');
    const asker = bearer(await sessionToken(byHand.pool, uid('adm'), 'admin'));
    const asked = await askRefund(orderId, { refundId, amountCents: 6_000, sku }, asker);
    expect(asked.statusCode).toBe(201);
    expect(asked.json()).toMatchObject({ refundId, status: 'AwaitingApproval', approvers: [APPROVER] });
    expect(await refundsOf(byHand.pool, orderId)).toEqual([]);
    const queue = await byHandApi.inject({ method: 'GET', url: '/v1/approvals', headers: asker });
    expect(queue.json().refunds).toEqual(expect.arrayContaining([expect.objectContaining({ refundId })]));

    const self = await byHandApi.inject({
      method: 'POST',
      url: `/v1/refunds/${refundId}/approve`,
      headers: asker,
      payload: {},
    });
    expect(self.statusCode).toBe(409);
    expect(self.json().detail).toMatch(/not an authorised approver|may not decide/);

    const approver = bearer(await sessionToken(byHand.pool, APPROVER, 'approver'));
    const approved = await byHandApi.inject({
      method: 'POST',
      url: `/v1/refunds/${refundId}/approve`,
      headers: approver,
      payload: { note: 'courier photo confirms it' },
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'Refunded', refundedCents: 6_000, decidedBy: APPROVER });
    expect(await refundsOf(byHand.pool, orderId)).toEqual([[`${orderId}:refund:gw.${refundId}`, 6_000]]);
    const provider = await byHand.pool.query(
      `SELECT amount_cents FROM sandbox_payments WHERE order_id = $1 AND operation = 'refund'`,
      [orderId],
    );
    expect(provider.rows).toEqual([{ amount_cents: '6000' }]);
    const again = await byHandApi.inject({
      method: 'POST',
      url: `/v1/refunds/${refundId}/approve`,
      headers: approver,
      payload: {},
    });
    expect(again.statusCode).toBe(409);
    // Asked again under its id: the ended refund answers, nothing is paid twice.
    const reasked = await askRefund(orderId, { refundId, amountCents: 6_000, sku }, asker);
    expect(reasked.statusCode).toBe(200);
    expect(reasked.json()).toMatchObject({ refundId, status: 'Refunded' });
    expect(await refundsOf(byHand.pool, orderId)).toEqual([[`${orderId}:refund:gw.${refundId}`, 6_000]]);
  });

  test('under the threshold it is refunded at once; more than is left of the line is refused before anything starts', async () => {
    const { orderId, sku } = await deliveredByHand(1, 3_000);
    const small = await askRefund(orderId, { amountCents: 1_000, sku });
    expect(small.json()).toMatchObject({ status: 'Refunded', refundedCents: 1_000 });

    const refundId = uid('gw');
    const over = await askRefund(orderId, { refundId, amountCents: 2_100, sku });
    expect(over.statusCode).toBe(409);
    expect(over.json().detail).toMatch(`amountCents: 2100 is more than the 2000 left of what was paid for ${sku}`);
    expect((await byHand.pool.query('SELECT 1 FROM goodwill_refunds WHERE refund_id = $1', [refundId])).rowCount).toBe(
      0,
    );
    expect(await refundsOf(byHand.pool, orderId)).toEqual([[expect.stringMatching(/:refund:gw\./), 1_000]]);
  });
});

test('a return after a goodwill refund of the same line gives back only what is left of its price', async () => {
  const { orderId, sku } = await deliveredByHand(1, 2_000);
  const goodwill = await byHandApi.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/refunds`,
    headers: await asStaff(byHand.pool, 'customer-service'),
    payload: { amountCents: 1_500, sku, reason: 'scratched' },
  });
  expect(goodwill.json()).toMatchObject({ status: 'Refunded', refundedCents: 1_500 });

  const rmaId = uid('rma');
  expect((await askReturn(byHandApi, byHand.pool, orderId, [{ sku, quantity: 1 }], rmaId)).statusCode).toBe(201);
  await byHand.client.workflow.getHandle(returnWorkflowId(rmaId)).signal(carrierEventSignal, { event: 'delivered' });
  await untilStatus(byHand, rmaId, 'Received');
  const inspected = await inspect(byHandApi, byHand.pool, rmaId, [{ sku, accepted: 1, condition: 'resellable' }]);
  // 500 left of the line's 2,000, and the shipping (every unit is back): the capture, 2,499, in all.
  expect(inspected.json()).toMatchObject({ status: 'Refunded', refundedCents: 500 + 499 });
  const total = (await refundsOf(byHand.pool, orderId)).reduce((sum, [, cents]) => sum + cents, 0);
  expect(total).toBe(2_499);
});
