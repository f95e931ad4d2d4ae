import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ERROR_TYPES } from '../../src/domain';
import { eventually, orderRequest, paymentOps, place, seedSku, stockOf, testSettings, uid } from '../support/orders';
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

  // What retention does to a closed workflow, done now: its history is gone, the id is free in Temporal.
  await stack.client.workflowService.deleteWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: first.workflowId },
  });
  await eventually(async () =>
    first.handle.describe().then(
      () => undefined,
      (err: unknown) => (err instanceof WorkflowNotFoundError ? true : undefined),
    ),
  );

  for (const body of [
    orderRequest({ orderId, items: [{ sku, quantity: 1 }] }), // the same order again
    orderRequest({ orderId, items: [{ sku, quantity: 3 }], customerId: 'cust-other' }), // another body
  ]) {
    const again = await place(stack.client, body, testSettings(), stack.prefix);
    const failure = await again.handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({ cause: { type: ERROR_TYPES.OrderIdTaken } });
    expect(await orderRow(orderId)).toEqual(before.order);
    expect(await paymentOps(stack.pool, orderId)).toEqual(before.ops);
    expect(await stockOf(stack.pool, sku)).toEqual(before.stock);
    await stack.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: again.workflowId },
    });
    await eventually(async () =>
      again.handle.describe().then(
        () => undefined,
        (err: unknown) => (err instanceof WorkflowNotFoundError ? true : undefined),
      ),
    );
  }
});
