/**
 * Partial cancellation on the real stack (issue 29): lines taken out of a running order through the
 * Orders API (a signed `cancel-lines`), before its payment is captured; refused once it is, and
 * once a parcel left.
 */
import type { FastifyInstance } from 'fastify';
import { approveUpdate } from '../../workflows/order-api';
import { buildTestApi, sessionToken, startTestApi } from '../support/api';
import { cliEnv } from '../support/cli';
import { runCli } from '../support/processes';
import {
  carrierEvent,
  orderRequest,
  paymentOps,
  place,
  placeBookedByHand,
  seedSku,
  stockOf,
  testSettings,
  uid,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
let api: FastifyInstance;
beforeAll(async () => {
  stack = await startTestWorkers();
  api = await buildTestApi(stack);
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

async function cancelLines(orderId: string, skus: string[]) {
  const token = await sessionToken(stack.pool, uid('desk'), 'customer-service');
  return api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel-lines`,
    headers: { authorization: `Bearer ${token}` },
    payload: { skus, reason: 'the customer no longer wants it' },
  });
}

test('before the capture: the line leaves, its stock goes back, only the remainder is paid', async () => {
  const laptop = await seedSku(stack.pool, { priceCents: 120_000, stock: { east: 2 } });
  const mouse = await seedSku(stack.pool, { priceCents: 2_500, stock: { west: 5 } });
  const { orderId, handle } = await place(
    stack.client,
    orderRequest({
      items: [
        { sku: laptop, quantity: 1 },
        { sku: mouse, quantity: 2 },
      ],
    }),
    testSettings(),
    stack.prefix,
  );
  await waitForView(handle, (v) => v.status === 'AwaitingApproval'); // 1,250.00: an approver must agree
  expect(await stockOf(stack.pool, mouse)).toEqual({ west: { onHand: 5, reserved: 2 } });

  const removed = await cancelLines(orderId, [mouse]);
  expect(removed.statusCode).toBe(200);
  expect(removed.json()).toMatchObject({ totalCents: 120_000, subtotalCents: 120_000, shippingCents: 0 });
  expect(removed.json().lines.map((l: { sku: string }) => l.sku)).toEqual([laptop]);
  expect(await stockOf(stack.pool, mouse)).toEqual({ west: { onHand: 5, reserved: 0 } });

  await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
  const view = await handle.result();
  expect(view.status).toBe('Delivered');
  expect((await paymentOps(stack.pool, orderId)).map((p) => [p.operation, Number(p.amount_cents)])).toEqual([
    ['authorize', 120_000],
    ['capture', 120_000],
  ]);
  expect(await stockOf(stack.pool, mouse)).toEqual({ west: { onHand: 5, reserved: 0 } }); // nothing left for it
  expect(await stockOf(stack.pool, laptop)).toEqual({ east: { onHand: 1, reserved: 0 } });
  const row = await stack.pool.query('SELECT total_cents FROM orders WHERE order_id = $1', [orderId]);
  expect(row.rows[0].total_cents).toBe('120000');
  const kept = await stack.pool.query('SELECT sku, quantity, removed_by FROM order_line_cancels WHERE order_id = $1', [
    orderId,
  ]);
  expect(kept.rows).toEqual([{ sku: mouse, quantity: 2, removed_by: expect.stringMatching(/^desk-/) }]);
});

test('refused once the payment is captured, and once a parcel was picked up, with the reason', async () => {
  const placed = await placeBookedByHand(stack, { priceCents: 3_000, stock: { east: 1 } });
  const captured = await cancelLines(placed.orderId, [placed.sku]);
  expect(captured.statusCode).toBe(409);
  expect(captured.json().detail).toMatch(/payment is captured: its lines can no longer be taken out/);
  const listening = await startTestApi(stack);
  try {
    const env = { ...cliEnv(stack.prefix), ...(await listening.cliAs(uid('desk'), 'customer-service')) };
    const cli = await runCli(['cancel', placed.orderId, '--line', placed.sku, '--reason', 'too late'], env);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/refused: .*payment is captured/);
  } finally {
    await listening.stop();
  }

  await carrierEvent(stack.client, placed.view, 'picked-up');
  await waitForView(placed.handle, (v) => v.pointOfNoReturn !== undefined);
  const picked = await cancelLines(placed.orderId, [placed.sku]);
  expect(picked.statusCode).toBe(409);
  expect(picked.json().detail).toMatch(/has a parcel with the carrier since .*: its lines can no longer be taken out/);
  await carrierEvent(stack.client, placed.view, 'delivered');
  expect((await placed.handle.result()).totalCents).toBe(3_000 + 499);
});
