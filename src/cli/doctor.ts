import { randomUUID } from 'node:crypto';
import { stackCheckWorkflowId } from '../domain';
import type { stackCheckWorkflow } from '../../workflows/stack-check';
import { withContext } from './context';

export async function doctor(opts: { json?: boolean }): Promise<number> {
  return withContext(async ({ client, ordersQueue }) => {
    const checkId = randomUUID();
    const answers = await client.workflow.execute<typeof stackCheckWorkflow>('stackCheckWorkflow', {
      taskQueue: ordersQueue,
      workflowId: stackCheckWorkflowId(checkId),
      args: [checkId],
      workflowExecutionTimeout: '30s',
    });
    if (opts.json) console.log(JSON.stringify({ ok: true, checkId, workers: answers }));
    else for (const [service, worker] of Object.entries(answers)) console.log(`ok  ${service.padEnd(10)} ${worker}`);
    return 0;
  });
}
