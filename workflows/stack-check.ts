import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import {
  SERVICES,
  prefixFromOrdersQueue,
  taskQueueFor,
  type DiagnosticsActivities,
  type Service,
} from '../src/domain/deterministic';

/**
 * Proves the stack end to end: one activity on every service's task queue, each writing a row.
 * Used by `orders doctor` and by the foundation tests.
 */
export async function stackCheckWorkflow(checkId: string): Promise<Record<Service, string>> {
  const prefix = prefixFromOrdersQueue(workflowInfo().taskQueue);
  const answers = await Promise.all(
    SERVICES.map((service) =>
      proxyActivities<DiagnosticsActivities>({
        taskQueue: taskQueueFor(service, prefix),
        startToCloseTimeout: '10s',
        scheduleToCloseTimeout: '1m',
        retry: { maximumAttempts: 5, initialInterval: '200ms', nonRetryableErrorTypes: ['InvalidInput'] },
      }).recordPing({ checkId, service }),
    ),
  );
  return Object.fromEntries(answers.map((a) => [a.service, a.worker])) as Record<Service, string>;
}
