import { randomUUID } from 'node:crypto';
import { SERVICES } from '../../src/domain';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

test('a workflow reaches an activity on every service queue and each writes its row', async () => {
  const checkId = randomUUID();
  const answers = await stack.client.workflow.execute('stackCheckWorkflow', {
    taskQueue: stack.ordersQueue,
    workflowId: `stack-check-${checkId}`,
    args: [checkId],
  });
  expect(Object.keys(answers).sort()).toEqual([...SERVICES].sort());
  const { rows } = await stack.pool.query('SELECT service FROM stack_checks WHERE check_id = $1 ORDER BY service', [
    checkId,
  ]);
  expect(rows.map((r) => r.service)).toEqual([...SERVICES].sort());
});
