import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { taskQueueFor } from '../domain';
import { connectClient } from './connect';

export async function doctor(opts: { json?: boolean }): Promise<number> {
  const config = loadConfig();
  const client = await connectClient();
  try {
    const checkId = randomUUID();
    const answers = await client.workflow.execute('stackCheckWorkflow', {
      taskQueue: taskQueueFor('orders', config.TASK_QUEUE_PREFIX),
      workflowId: `stack-check-${checkId}`,
      args: [checkId],
      workflowExecutionTimeout: '30s',
    });
    if (opts.json) console.log(JSON.stringify({ ok: true, checkId, workers: answers }));
    else for (const [service, worker] of Object.entries(answers)) console.log(`ok  ${service.padEnd(10)} ${worker}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}
