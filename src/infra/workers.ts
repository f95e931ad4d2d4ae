import { NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createDiagnosticsActivities } from '../../activities/diagnostics';
import { SERVICES, taskQueueFor, type Service } from '../domain';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  pool: Pool;
  taskQueuePrefix?: string;
  /** A prebuilt workflow bundle (tests bundle once per run); otherwise workflows/ is bundled at start. */
  workflowBundle?: { codePath: string };
}

export function isService(name: string): name is Service {
  return (SERVICES as readonly string[]).includes(name);
}

/** Activities each service's worker registers; every worker also answers the stack check. */
function activitiesFor(_service: Service, deps: WorkerDeps): object {
  const diagnostics = createDiagnosticsActivities(deps.pool);
  return { ...diagnostics };
}

/** One worker per service: `orders` runs workflows, the others run their service's activities. */
export async function createWorkers(deps: WorkerDeps, services: readonly Service[] = SERVICES): Promise<Worker[]> {
  return Promise.all(
    services.map((service) =>
      Worker.create({
        connection: deps.connection,
        namespace: deps.namespace,
        taskQueue: taskQueueFor(service, deps.taskQueuePrefix),
        activities: activitiesFor(service, deps),
        ...(service === 'orders'
          ? deps.workflowBundle
            ? { workflowBundle: deps.workflowBundle }
            : { workflowsPath: require.resolve('../../workflows') }
          : {}),
      }),
    ),
  );
}
