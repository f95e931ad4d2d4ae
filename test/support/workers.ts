import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { parseKeyring } from '../../src/runtime/codec-keys';
import { dataConverterFor, loadDataConverter } from '../../src/runtime/data-converter';
import { SERVICES, taskQueueFor, type OrderPolicy, type Service } from '../../src/domain';
import { installRuntimeLogger } from '../../src/runtime/runtime';
import {
  createWorkers,
  describeWorkflowWith,
  listWorkflowsWith,
  startSandboxCarrierFor,
  type WorkerDeps,
} from '../../activities/workers';
import { waitlistsVia } from '../../src/runtime/waitlists';
import { reportToOrderVia } from '../../src/runtime/order-reports';
import { carrierEventSignal } from '../../workflows/order-api';
import { testPolicy } from './orders';
import { signingInterceptors } from './decisions';

export interface TestWorkers {
  /** Unique per test file: its task queues are its own. */
  prefix: string;
  ordersQueue: string;
  client: Client;
  pool: Pool;
  stop(): Promise<void>;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through jest (global setup provides it)`);
  return value;
}

/** Workers for `services` on task queues unique to the caller, plus a client and a pool. */
export async function startTestWorkers(
  services: readonly Service[] = SERVICES,
  address: string = requireEnv('TEMPORAL_ADDRESS'),
  opts: {
    policy?: OrderPolicy;
    activities?: Partial<Record<Service, object>>;
    /** Another set of workers' task queues (to replace those workers, e.g. after a key rotation). */
    prefix?: string;
    /** Payload codec keys (`id:base64`, newest first) instead of the run's PAYLOAD_CODEC_KEYS. */
    codecKeys?: string;
    /** With a broker: the sandbox carrier publishes to the carrier.events queue (src/events). */
    publishCarrierEvent?: WorkerDeps['publishCarrierEvent'];
    /** Another workflow bundle than the run's (a build of older workflow code). */
    workflowBundlePath?: string;
    /** Catalog reads through these caches (default: straight from PostgreSQL). */
    catalog?: WorkerDeps['catalog'];
    /** The payment provider the payments worker calls (default: the sandbox in-process). */
    paymentProvider?: WorkerDeps['paymentProvider'];
    /** The carrier the shipping worker books with (default: the sandbox in-process). */
    carrier?: WorkerDeps['carrier'];
    /** A deployment version and versioning mode of the test's own (default: from the configuration). */
    deployment?: WorkerDeps['deployment'];
  } = {},
): Promise<TestWorkers> {
  installRuntimeLogger();
  const prefix = opts.prefix ?? `t${randomUUID().slice(0, 8)}-`;
  const pool = createPool(requireEnv('DATABASE_URL'), 5);
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  // The run's key (global setup): these workers, this client and a spawned CLI all share it.
  const dataConverter = opts.codecKeys
    ? dataConverterFor(parseKeyring(opts.codecKeys, 'codecKeys'))
    : loadDataConverter();
  // The test drives orders as a holder of the decision signing key would (src/runtime/decision-signer.ts).
  const client = new Client({ connection, namespace: 'default', dataConverter, interceptors: signingInterceptors() });
  // The workers' own calls ride their native connection, as in worker.ts; the test drives with `client`.
  const workerClient = new Client({ connection: nativeConnection, namespace: 'default', dataConverter });
  const deps: WorkerDeps = {
    connection: nativeConnection,
    namespace: 'default',
    pool,
    dataConverter,
    taskQueuePrefix: prefix,
    workflowBundle: { codePath: opts.workflowBundlePath ?? requireEnv('WORKFLOW_BUNDLE_PATH') },
    publishCarrierEvent: opts.publishCarrierEvent,
    waitlists: waitlistsVia(workerClient, prefix),
    deployment: opts.deployment,
    paymentProvider: opts.paymentProvider,
    carrier: opts.carrier,
    catalog: opts.catalog,
    signalShipment: (workflowId, message) =>
      workerClient.workflow.getHandle(workflowId).signal(carrierEventSignal, message),
    reportToOrder: reportToOrderVia(workerClient),
    policy: opts.policy ?? testPolicy(),
    sandboxPaymentDelayMs: 1_500,
    activityOverrides: opts.activities,
    describeWorkflow: describeWorkflowWith(workerClient),
    listWorkflows: listWorkflowsWith(workerClient),
  };
  const sandboxCarrier = startSandboxCarrierFor(deps, services);
  const workers: Worker[] = await createWorkers({ ...deps, sandboxCarrierRuns: sandboxCarrier }, services);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    prefix,
    ordersQueue: taskQueueFor('orders', prefix),
    client,
    pool,
    async stop() {
      for (const w of workers) w.shutdown();
      await running;
      await sandboxCarrier?.stop();
      await connection.close();
      await nativeConnection.close();
      await pool.end();
    },
  };
}
