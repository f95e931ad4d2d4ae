import { WorkflowFailedError } from '@temporalio/client';
import { toWorkflowOrder } from '../../src/placement/place-order';
import { orderWorkflow } from '../../workflows/order';
import { ERROR_TYPES } from '../../src/domain';
import { orderRequest, paymentOps, place, seedSku, stockOf, testSettings, testVault, uid } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

async function orderRow(orderId: string) {
  const { rows } = await stack.pool.query('SELECT status, total_cents, customer_id FROM orders WHERE order_id = $1', [
    orderId,
  ]);
  return rows[0];
}

test('an order id used before is refused even after its workflow left retention, and nothing of the first order changes', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 3_000, stock: { east: 5 } });
  const orderId = uid('ord');
  const first = await place(
    stack.client,
    orderRequest({ orderId, items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  expect((await first.handle.result()).status).toBe('Delivered');
  const before = {
    order: await orderRow(orderId),
    ops: await paymentOps(stack.pool, orderId),
    stock: await stockOf(stack.pool, sku),
  };

  // Once retention has removed the first workflow, Temporal starts `order-<id>` again. The same new
  // run is made here at once by starting with a reuse policy that allows it.
  for (const body of [
    orderRequest({ orderId, items: [{ sku, quantity: 1 }] }), // the same order again
    orderRequest({ orderId, items: [{ sku, quantity: 3 }], customerId: 'cust-other' }), // another body
  ]) {
    const again = await stack.client.workflow.start(orderWorkflow, {
      workflowId: first.workflowId,
      taskQueue: stack.ordersQueue,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [{ order: await toWorkflowOrder(body, testVault()), settings: testSettings() }],
    });
    const failure = await again.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    // priceOrder is a local activity: its ApplicationFailure is the run's failure itself (an
    // activity's would come wrapped in an ActivityFailure).
    expect((failure as WorkflowFailedError).cause).toMatchObject({ type: ERROR_TYPES.OrderIdTaken });
    expect(await orderRow(orderId)).toEqual(before.order);
    expect(await paymentOps(stack.pool, orderId)).toEqual(before.ops);
    expect(await stockOf(stack.pool, sku)).toEqual(before.stock);
  }
});

test('an order placed again with another card, after its first start failed, is charged to the new card', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 2_000, stock: { east: 1 } });
  const orderId = uid('ord');
  // The first placement vaulted card A (declined by the sandbox) and then could not start.
  const first = await toWorkflowOrder(
    orderRequest({ orderId, items: [{ sku, quantity: 1 }], token: 'tok_declined' }),
    testVault(),
  );
  const again = await place(
    stack.client,
    orderRequest({ orderId, items: [{ sku, quantity: 1 }], token: 'tok_ok' }),
    testSettings(),
    stack.prefix,
  );
  expect((await again.handle.result()).status).toBe('Delivered');
  const started = await again.handle.describe();
  expect(started.status.name).toBe('COMPLETED');
  // Card B's authorization at the provider (card A's would have been declined).
  const { rows } = await stack.pool.query<{ status: string }>(
    `SELECT status FROM sandbox_payments WHERE order_id = $1 AND operation = 'authorize'`,
    [orderId],
  );
  expect(rows).toEqual([{ status: 'approved' }]);
  // The same card again answers the same reference (a retried placement).
  const retried = await toWorkflowOrder(
    orderRequest({ orderId, items: [{ sku, quantity: 1 }], token: 'tok_declined' }),
    testVault(),
  );
  expect(retried.payment.paymentMethodId).toBe(first.payment.paymentMethodId);
});
