/**
 * What a service's worker is: its task queue's name (the service), the activities it registers and
 * how many tasks it takes at once. Each service defines its own (activities/<service>/worker.ts);
 * activities/workers.ts starts the ones a process runs. WorkerDeps are what the process gives them.
 */
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, WorkerDeploymentOptions, WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import type { Config } from '../src/config';
import type { CarrierEventMessage, OrderPolicy, Service } from '../src/domain';
import type { CarrierProvider } from '../src/providers/carrier';
import type { PaymentProvider } from '../src/providers/payments';
import type { ProviderHealth } from '../src/providers/resilience';
import type { Waitlists } from '../src/runtime/waitlists';
import type { CatalogCache } from './catalog/store/cache';
import type { ShippingDeps } from './shipping/activities';

export interface ServiceWorker {
  service: Service;
  /** The activities its worker registers (the stack check's among them). */
  activities(deps: WorkerDeps, config: Config): object;
  /** Backpressure: how many tasks it takes at once (see activities/workers.ts slotsFor). */
  slots(config: Config): Partial<WorkerOptions>;
  /** The orders worker also runs the workflows. */
  runsWorkflows?: true;
}

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

/** A stand-in for a dependency the caller did not give: it fails when used, saying what is missing. */
export function missing(dep: keyof WorkerDeps, consequence: string): () => Promise<never> {
  return () => Promise.reject(new Error(`no ${dep} in WorkerDeps: ${consequence}`));
}

/**
 * What `orders doctor` shows of a worker's provider client (payments: the payment provider,
 * shipping: the carrier): in-process, or its breaker and bulkhead over HTTP.
 */
export function providerStatus(label: string, provider: object | undefined): string {
  if (!provider || !('health' in provider) || typeof provider.health !== 'function')
    return `${label}: sandbox in-process`;
  const h = (provider as { health(): ProviderHealth }).health();
  return `${label}: HTTP, breaker ${h.breaker} (opened ${h.opened} times), ${h.inFlight} in flight, ${h.queued} queued`;
}

/** The default: one slot per database connection (PG_POOL_SIZE), so no task waits for one. */
export const poolSlots = (config: Config): Partial<WorkerOptions> => ({
  maxConcurrentActivityTaskExecutions: config.PG_POOL_SIZE,
});
