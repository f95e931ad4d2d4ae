/**
 * Admission control on the real stack: with MAX_ORDERS_IN_FLIGHT orders running (the Orders API's
 * setting: placements go through it), `orders place` is refused with exit 4 and starts or writes
 * nothing; once one has finished, placing works again.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { ordersInFlight } from '../../src/placement/admission';
import { orderWorkflowId } from '../../src/domain';
import { rejectUpdate } from '../../workflows/order-api';
import { TEST_ADDRESS, cliEnv } from '../support/cli';
import { eventually, placeOneLine, seedSku, uid, waitForView } from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { startTestApi, type TestApi } from '../support/api';

let stack: TestWorkers;
let api: TestApi;
beforeAll(async () => {
  stack = await startTestWorkers();
  api = await startTestApi(stack, { maxInFlight: 2 });
});
afterAll(async () => {
  await api.stop();
  await stack.stop();
});

test('at the limit a new order is refused with exit 4, nothing started; below it, placed', async () => {
  // Two orders over the approval threshold: they stay running until decided.
  const waiting = [];
  for (let i = 0; i < 2; i++) {
    const o = await placeOneLine(stack, { priceCents: 150_000, stock: { east: 1 } });
    await waitForView(o.handle, (v) => v.status === 'AwaitingApproval');
    waiting.push(o);
  }
  await eventually(async () => ((await ordersInFlight(stack.client, stack.ordersQueue)) === 2 ? true : undefined));

  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 5 } });
  const orderId = uid('ord');
  const args = [
    'place',
    '--order-id',
    orderId,
    '--customer',
    'cust-1',
    '--item',
    `${sku}:1`,
    '--ship-to',
    JSON.stringify(TEST_ADDRESS),
    '--token',
    'tok_ok',
  ];
  const env = cliEnv(stack.prefix, await api.cliAs('desk-admission', 'customer-service'));
  const refused = await runCli(args, env);
  expect(refused.code).toBe(4);
  expect(refused.stderr).toContain('refused: 2 orders are in flight, the limit is 2 (MAX_ORDERS_IN_FLIGHT)');
  await expect(stack.client.workflow.getHandle(orderWorkflowId(orderId)).describe()).rejects.toThrow(
    WorkflowNotFoundError,
  );
  const vault = await stack.pool.query(`SELECT 1 FROM sandbox_payment_methods WHERE idempotency_key LIKE $1`, [
    `%${orderId}%`,
  ]);
  expect(vault.rowCount).toBe(0);

  await waiting[0]!.handle.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'make room' }] });
  await waiting[0]!.handle.result();
  await eventually(async () => ((await ordersInFlight(stack.client, stack.ordersQueue)) === 1 ? true : undefined));
  const placed = await runCli([...args, '--wait'], env);
  expect(placed.code).toBe(0);
  expect(placed.stdout).toContain(`Placed order ${orderId}`);

  await waiting[1]!.handle.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'cleanup' }] });
});
