/**
 * Starts the workers a process runs: one per service, each as its service defines it
 * (activities/<service>/worker.ts); the orders worker runs the workflows too.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { loadConfig, type Config } from '../src/config';
import { SERVICES, taskQueueFor, type Service } from '../src/domain';
import { startSandboxCarrierRuns, type SandboxCarrierRuns } from '../src/providers/sandbox/carrier-runs';
import { loadDataConverter } from '../src/runtime/data-converter';
import { deploymentOptions } from '../src/runtime/worker-version';
import { fulfilmentWorker } from './fulfilment/worker';
import { inventoryWorker } from './inventory/worker';
import { ordersWorker } from './orders/worker';
import { paymentsWorker } from './payments/worker';
import { returnsWorker } from './returns/worker';
import type { ServiceWorker, WorkerDeps } from './service-worker';
import { sandboxCarrierDelivery } from './shipping/activities';
import { shippingDeps, shippingWorker } from './shipping/worker';

export type { WorkerDeps } from './service-worker';

/** Every service's worker definition, by the service (its task queue's name). */
export const SERVICE_WORKERS: Record<Service, ServiceWorker> = {
  orders: ordersWorker,
  inventory: inventoryWorker,
  payments: paymentsWorker,
  shipping: shippingWorker,
  fulfilment: fulfilmentWorker,
  returns: returnsWorker,
};

/** WorkerDeps.describeWorkflow over a Client: NotFound (never started, or past retention) is undefined. */
export function describeWorkflowWith(client: Client): (workflowId: string) => Promise<string | undefined> {
  return async (workflowId) => {
    try {
      return (await client.workflow.getHandle(workflowId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  };
}

/** WorkerDeps.listWorkflows over a Client: the first `limit` runs the query finds. */
export function listWorkflowsWith(
  client: Client,
): (query: string, limit: number) => Promise<Array<{ workflowId: string; status: string }>> {
  return async (query, limit) => {
    const found: Array<{ workflowId: string; status: string }> = [];
    for await (const run of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
      found.push({ workflowId: run.workflowId, status: run.status.name });
      if (found.length >= limit) break;
    }
    return found;
  };
}

export function isService(name: string): name is Service {
  return (SERVICES as readonly string[]).includes(name);
}

/**
 * Backpressure: a service's worker takes no more tasks than it can run without waiting for a
 * database connection (PG_POOL_SIZE each) or, for payments, for the provider's bulkhead; what is
 * not taken waits in Temporal's task queue, where it costs nothing.
 */
export function slotsFor(service: Service, config: Config): Partial<WorkerOptions> {
  return SERVICE_WORKERS[service].slots(config);
}

/**
 * The sandbox carrier's sender for a process that runs the shipping service (v0.4): it sends the
 * events of the parcels handed over at booking, the way the shipping service's sandbox carrier
 * always has (the broker, or recorded and signalled). Give it to createWorkers as
 * `sandboxCarrierRuns`; stop it after the workers. Undefined when the process runs no shipping.
 */
export function startSandboxCarrierFor(
  deps: WorkerDeps,
  services: readonly Service[] = SERVICES,
): SandboxCarrierRuns | undefined {
  if (!services.includes('shipping')) return undefined;
  return startSandboxCarrierRuns({
    pool: deps.pool,
    queuePrefix: deps.taskQueuePrefix ?? '',
    deliver: sandboxCarrierDelivery(deps.pool, shippingDeps(deps)),
  });
}

/** One worker per service: `orders` runs workflows, the others run their service's activities. */
export async function createWorkers(deps: WorkerDeps, services: readonly Service[] = SERVICES): Promise<Worker[]> {
  // Defaults the caller did not give come from this process's environment, read once for all workers.
  const config = loadConfig();
  const dataConverter = deps.dataConverter ?? loadDataConverter(config);
  return Promise.all(
    services.map((service) =>
      Worker.create({
        connection: deps.connection,
        namespace: deps.namespace,
        taskQueue: taskQueueFor(service, deps.taskQueuePrefix),
        dataConverter,
        workerDeploymentOptions: deps.deployment ?? deploymentOptions(config, deps.taskQueuePrefix ?? ''),
        ...SERVICE_WORKERS[service].slots(config),
        activities: { ...SERVICE_WORKERS[service].activities(deps, config), ...deps.activityOverrides?.[service] },
        // Workflow spans need the interceptors bundled with the workflows: none in a prebuilt bundle.
        ...deps.tracing?.(SERVICE_WORKERS[service].runsWorkflows === true && !deps.workflowBundle),
        ...(SERVICE_WORKERS[service].runsWorkflows === true
          ? deps.workflowBundle
            ? { workflowBundle: deps.workflowBundle }
            : { workflowsPath: require.resolve('../workflows') }
          : {}),
      }),
    ),
  );
}
