import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, type DataConverter } from '@temporalio/common';
import type { CarrierProvider } from '../providers/carrier';
import { NativeConnection, Worker, type WorkerDeploymentOptions, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createBenchActivities } from '../../activities/orders/bench-floor';
import { createBackorderActivities } from '../../activities/orders/backorders';
import { createChecksActivities } from '../../activities/orders/checks';
import { createDiagnosticsActivities } from '../../activities/diagnostics';
import { createFulfilmentActivities } from '../../activities/fulfilment/activities';
import { createInventoryActivities } from '../../activities/inventory/activities';
import { claimCancellation } from '../../activities/orders/gate';
import { policyFromConfig } from '../../activities/orders/policy';
import { createOrderActivities } from '../../activities/orders/activities';
import { currentRuleSet } from '../../activities/orders/rules';
import { createPaymentActivities } from '../../activities/payments/activities';
import { createSandboxPaymentProvider } from '../providers/sandbox/payments';
import { type PaymentProvider } from '../providers/payments';
import { startSandboxCarrierRuns, type SandboxCarrierRuns } from '../providers/sandbox/carrier-runs';
import {
  createShippingActivities,
  sandboxCarrierDelivery,
  validateAddress,
  type ShippingDeps,
} from '../../activities/shipping/activities';
import { loadConfig, sandboxCarrierOptions, type Config } from '../config';
import type { ProviderHealth } from '../providers/resilience';
import type { CatalogCache } from '../../activities/catalog/cache';
import type { Waitlists } from './waitlists';
import { deploymentOptions } from './worker-version';
import {
  SERVICES,
  taskQueueFor,
  type CarrierEventMessage,
  type LoadedPolicy,
  type OrderPolicy,
  type Service,
} from '../domain';
import { loadDataConverter } from './data-converter';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  pool: Pool;
  taskQueuePrefix?: string;
  /** Payload encryption; default: this process's keyring (see data-converter.ts). */
  dataConverter?: DataConverter;
  /** A prebuilt workflow bundle (tests bundle once per run); otherwise workflows/ is bundled at start. */
  workflowBundle?: { codePath: string };
  /** The carrier the shipping worker books with (default: the sandbox in-process). */
  carrier?: CarrierProvider;
  /** Tracing interceptors and sink, when tracing runs (src/runtime/tracing.ts; loaded only then). */
  tracing?: (runsWorkflows: boolean) => Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /**
   * How the sandbox carrier (shipping) reaches a shipment workflow: signal `carrierEvent` with the
   * message, through a @temporalio/client Client (a NativeConnection cannot make one).
   */
  signalShipment?: (workflowId: string, message: CarrierEventMessage) => Promise<void>;
  /** How the shipping service tells an order Booked and picked-up (src/runtime/order-reports.ts), through a Client too. */
  reportToOrder?: ShippingDeps['reportToOrder'];
  /** This worker's deployment version and versioning mode; default: from the configuration (worker-version.ts). */
  deployment?: WorkerDeploymentOptions;
  /** Catalog reads through the caches (one per process); default: straight from PostgreSQL. */
  catalog?: CatalogCache;
  /** The payment provider the payments worker calls (one per process; default: the sandbox in-process). */
  paymentProvider?: PaymentProvider;
  /** The back-order waitlists, through a Temporal client (src/runtime/waitlists.ts). */
  waitlists?: Waitlists;
  /** With a broker: the sandbox carrier publishes to `carrier.events` instead of signalling (src/events). */
  publishCarrierEvent?: ShippingDeps['publishCarrierEvent'];
  /** The sandbox carrier's sender (v0.4), for the shipping worker's bookings: see startSandboxCarrierFor. */
  sandboxCarrierRuns?: ShippingDeps['sandboxCarrierRuns'];
  /** Approval and deadline policy handed to every order; default: from this process's environment. */
  policy?: OrderPolicy;
  /** How long the sandbox payment provider's `tok_slow` answers take; default SANDBOX_PAYMENT_DELAY_MS. */
  sandboxPaymentDelayMs?: number;
  /** Activities that replace a service's own (fault injection in tests: a compensation that fails). */
  activityOverrides?: Partial<Record<Service, object>>;
  /**
   * How the orders service asks whether a workflow still runs (the reservation sweeper): its
   * status name (`RUNNING`, `TERMINATED`, ...), or undefined when Temporal does not know it.
   * Through a Client, like signalShipment; see describeWorkflowWith.
   */
  describeWorkflow?: (workflowId: string) => Promise<string | undefined>;
  /** How the stranded-run watch finds closed order runs: a visibility query, through a Client (listWorkflowsWith). */
  listWorkflows?: (query: string, limit: number) => Promise<Array<{ workflowId: string; status: string }>>;
}

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

/** A stand-in for a dependency the caller did not give: it fails when used, saying what is missing. */
function missing(dep: keyof WorkerDeps, consequence: string): () => Promise<never> {
  return () => Promise.reject(new Error(`no ${dep} in WorkerDeps: ${consequence}`));
}

/**
 * What `orders doctor` shows of a worker's provider client (payments: the payment provider,
 * shipping: the carrier): in-process, or its breaker and bulkhead over HTTP.
 */
function providerStatus(label: string, provider: object | undefined): string {
  if (!provider || !('health' in provider) || typeof provider.health !== 'function')
    return `${label}: sandbox in-process`;
  const h = (provider as { health(): ProviderHealth }).health();
  return `${label}: HTTP, breaker ${h.breaker} (opened ${h.opened} times), ${h.inFlight} in flight, ${h.queued} queued`;
}

/**
 * Backpressure: a service's worker takes no more tasks than it can run without waiting for a
 * database connection (PG_POOL_SIZE each) or, for payments, for the provider's bulkhead (calls at
 * once + queue); the payments queue also keeps to the provider's quota (PAYMENTS_MAX_PER_SECOND).
 * What is not taken waits in Temporal's task queue, where it costs nothing.
 */
export function slotsFor(service: Service, config: Config): Partial<WorkerOptions> {
  const slots = config.PG_POOL_SIZE;
  switch (service) {
    case 'orders':
      return { maxConcurrentActivityTaskExecutions: slots, maxConcurrentLocalActivityExecutions: slots };
    case 'payments':
      return {
        maxConcurrentActivityTaskExecutions: Math.min(
          slots,
          config.PAYMENTS_BULKHEAD_LIMIT + config.PAYMENTS_BULKHEAD_QUEUE,
        ),
        ...(config.PAYMENTS_MAX_PER_SECOND ? { maxTaskQueueActivitiesPerSecond: config.PAYMENTS_MAX_PER_SECOND } : {}),
      };
    default:
      return { maxConcurrentActivityTaskExecutions: slots };
  }
}

/** Activities each service's worker registers; every worker also answers the stack check. */
function activitiesFor(service: Service, deps: WorkerDeps, config: Config): object {
  const diagnostics = createDiagnosticsActivities(deps.pool);
  switch (service) {
    case 'orders': {
      // Read once when the worker starts, not on every order: the policy is this process's configuration.
      const policy = deps.policy ?? policyFromConfig(config);
      return {
        ...diagnostics,
        ...createOrderActivities(deps.pool, {
          describeWorkflow:
            deps.describeWorkflow ?? missing('describeWorkflow', 'isOrderRunning cannot ask Temporal about orders'),
          listWorkflows: deps.listWorkflows,
          ordersQueue: taskQueueFor('orders', deps.taskQueuePrefix),
          catalog: deps.catalog,
        }),
        // The rules are the deployment's (its TASK_QUEUE_PREFIX is their scope), read at each order's start.
        loadPolicy: async (): Promise<LoadedPolicy> => ({
          ...policy,
          rules: await currentRuleSet(deps.pool, deps.taskQueuePrefix ?? '', policy.approvalThresholdCents),
        }),
        // The shipping service's address check has no I/O: v0.3 orders run it here, as a local activity.
        validateAddress,
        ...createBenchActivities(deps.pool), // npm run bench's floor workflow (workflows/bench-floor.ts)
        ...createChecksActivities(deps.pool), // the scheduled checks (workflows/checks.ts)
        ...createBackorderActivities(
          deps.waitlists ?? {
            join: missing('waitlists', 'an order short of stock cannot join a back-order waitlist'),
            leave: missing('waitlists', 'an order cannot leave a back-order waitlist'),
            restocked: missing('waitlists', 'a restock cannot reach a waitlist'),
          },
        ),
        claimCancellation: ({ orderId }: { orderId: string }) => claimCancellation(deps.pool, orderId),
      };
    }
    case 'inventory':
      return { ...diagnostics, ...createInventoryActivities(deps.pool) };
    case 'payments':
      return {
        ...createDiagnosticsActivities(deps.pool, () => providerStatus('provider', deps.paymentProvider)),
        ...createPaymentActivities(
          deps.pool,
          deps.paymentProvider ??
            createSandboxPaymentProvider(deps.pool, {
              slowMs: deps.sandboxPaymentDelayMs ?? config.SANDBOX_PAYMENT_DELAY_MS,
            }),
        ),
      };
    case 'fulfilment':
      return { ...diagnostics, ...createFulfilmentActivities(deps.pool) };
    case 'shipping':
      return {
        ...createDiagnosticsActivities(deps.pool, () => providerStatus('carrier', deps.carrier)),
        ...createShippingActivities(deps.pool, shippingDeps(deps)),
      };
  }
}

function shippingDeps(deps: WorkerDeps): ShippingDeps {
  return {
    signalShipment:
      deps.signalShipment ?? missing('signalShipment', 'the sandbox carrier cannot reach shipment workflows'),
    publishCarrierEvent: deps.publishCarrierEvent,
    carrier: deps.carrier,
    sandboxCarrier: sandboxCarrierOptions(loadConfig()),
    reportToOrder: deps.reportToOrder ?? missing('reportToOrder', 'bookings and pickups cannot reach their orders'),
    sandboxCarrierRuns: deps.sandboxCarrierRuns,
  };
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
        ...slotsFor(service, config),
        activities: { ...activitiesFor(service, deps, config), ...deps.activityOverrides?.[service] },
        // Workflow spans need the interceptors bundled with the workflows: none in a prebuilt bundle.
        ...deps.tracing?.(service === 'orders' && !deps.workflowBundle),
        ...(service === 'orders'
          ? deps.workflowBundle
            ? { workflowBundle: deps.workflowBundle }
            : { workflowsPath: require.resolve('../../workflows') }
          : {}),
      }),
    ),
  );
}
