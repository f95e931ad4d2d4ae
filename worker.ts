#!/usr/bin/env node
/**
 * The worker process: by default one worker per service task queue (orders, inventory, payments,
 * shipping); `--service NAME` (repeatable) runs only those. Stops gracefully on SIGINT/SIGTERM:
 * in-flight activities finish, then connections close.
 */
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import {
  carrierUrl,
  carrierWebhookSecret,
  catalogTtlMs,
  loadConfig,
  mailSettings,
  paymentsResilience,
  paymentsUrl,
  poolTimeouts,
  type Config,
} from './src/config';
import { httpCarrier } from './src/providers/carrier-http';
import { httpPaymentProvider } from './src/providers/payments-http';
import type { Listening } from './src/runtime/http-listen';
import { startMetricsServer } from './src/runtime/metrics';
import { createCatalogCache, type CatalogCache } from './activities/catalog/store/cache';
import { connectRedis } from './src/db/redis';
import { migrate } from './src/db/migrate';
import { createPool, type PoolTimeouts } from './src/db/pool';
import { loadDataConverter } from './src/runtime/data-converter';
import { installRuntimeLogger } from './src/runtime/runtime';
import { temporalConnectConfig } from './src/runtime/temporal-connection';
import {
  createWorkers,
  describeWorkflowWith,
  listWorkflowsWith,
  isService,
  startSandboxCarrierFor,
  type WorkerDeps,
} from './activities/workers';
import type { SandboxCarrierRuns } from './src/providers/sandbox/carrier-runs';
import { logger } from './src/logger';
import { carrierEventSignal } from './workflows/order-api';
import { carrierEventRecorder } from './activities/shipping/activities';
import { waitlistsVia } from './src/runtime/waitlists';
import { reportToOrderVia } from './src/runtime/order-reports';
import { SERVICES, brokerNames, type CarrierEventMessage, type Service } from './src/domain';
import { createCarrierPublisher } from './src/events/carrier-publisher';
import { EVENT_PARTS, startEventProcessors, type EventPart, type EventProcessors } from './src/events/processors';

export interface RunWorkersOptions {
  databaseUrl: string;
  services?: readonly Service[];
  taskQueuePrefix?: string;
  workflowBundlePath?: string;
  /** Connect, statement and lock timeouts of the pool (defaults: see createPool). */
  poolTimeouts?: PoolTimeouts;
  /** Called once every worker is created, just before they poll; `client` lives as long as they run. */
  onRunning?: (client: Client, events: EventProcessors) => void;
  /** AMQP_URL: the sandbox carrier publishes through the broker, and the event parts can run. */
  amqpUrl?: string;
  /** Event parts to run beside the workers (src/events/processors.ts); none by default. */
  eventParts?: readonly EventPart[];
  relayPollMs?: number;
  /** SMTP_URL: with the notifications part, each notification is also mailed (src/events/mail-sender.ts). */
  smtpUrl?: string;
  /**
   * How the sandbox carrier (shipping service) sends its updates. `auto`: through the broker when
   * this process also runs the carrier inbox (`npm start`), else as direct signals, so a worker never
   * publishes to a queue nobody consumes; `broker` when another process runs the inbox (compose).
   */
  sandboxCarrierVia?: 'auto' | 'broker' | 'signal';
  /** Prometheus ports of this process: business metrics and the SDK's (defaults: METRICS_PORT, SDK_METRICS_PORT). */
  metricsPort?: number;
  sdkMetricsPort?: number;
  /** The payments provider's API: the payments worker calls it over HTTP (also PAYMENTS_PROVIDER=http). */
  paymentsUrl?: string;
  /** The carrier's booking API: the shipping worker calls it over HTTP (also CARRIER_PROVIDER=http). */
  carrierUrl?: string;
  /** Where the carrier webhook listens (with the carrier-events part). */
  webhook?: { port: number; host?: string; secret?: string };
}

/** Resolves on the first SIGINT or SIGTERM: an events-only process has no worker to wait on. */
function shutdownSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * Migrations may run long and wait for another process's migration lock: their own connection,
 * with the statement and lock timeouts that bound activities turned off.
 */
async function migrateWithoutStatementLimits(databaseUrl: string, timeouts: PoolTimeouts = {}): Promise<void> {
  const pool = createPool(databaseUrl, 1, { ...timeouts, statementTimeoutMs: 0, lockTimeoutMs: 0 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

/**
 * The clients this process's services call their providers with: the payment provider and the
 * carrier over HTTP (else the sandboxes in-process), and the broker the sandbox carrier publishes to.
 */
function providerClients(
  opts: RunWorkersOptions,
  config: Config,
  services: readonly Service[],
  names: ReturnType<typeof brokerNames>,
) {
  const via = opts.sandboxCarrierVia ?? 'auto';
  const viaBroker = via === 'broker' || (via === 'auto' && (opts.eventParts ?? []).includes('carrier-events'));
  return {
    publisher:
      opts.amqpUrl && viaBroker && services.includes('shipping')
        ? createCarrierPublisher(opts.amqpUrl, names)
        : undefined,
    paymentProvider:
      services.includes('payments') && (opts.paymentsUrl || config.PAYMENTS_PROVIDER === 'http')
        ? httpPaymentProvider(opts.paymentsUrl ?? paymentsUrl(config), paymentsResilience(config))
        : undefined,
    // The carrier client shares the payment provider's breaker and bulkhead settings.
    carrier:
      services.includes('shipping') && (opts.carrierUrl || config.CARRIER_PROVIDER === 'http')
        ? httpCarrier(opts.carrierUrl ?? carrierUrl(config), paymentsResilience(config))
        : undefined,
  };
}

/** Migrates the schema, then runs the workers until a shutdown signal. */
export async function runWorkers(opts: RunWorkersOptions): Promise<void> {
  const config = loadConfig();
  const metricsPort = opts.metricsPort ?? config.METRICS_PORT;
  const sdkMetricsPort = opts.sdkMetricsPort ?? config.SDK_METRICS_PORT;
  installRuntimeLogger({
    sdkMetricsAddress: sdkMetricsPort ? `${config.METRICS_HOST}:${sdkMetricsPort}` : undefined,
  });
  const services = opts.services ?? SERVICES;
  // Loaded only when on: the OpenTelemetry packages cost a quarter of a second to load.
  const tracing = config.OTEL_TRACES_EXPORTER === 'none' ? undefined : await import('./src/runtime/tracing.js');
  tracing?.startTracing(config.OTEL_TRACES_EXPORTER, 'durable-orders-worker');
  // PG_POOL_SIZE connections for each service here: every activity slot has its connection.
  const pool = createPool(opts.databaseUrl, config.PG_POOL_SIZE * Math.max(1, services.length), opts.poolTimeouts);
  const { options, namespace, address } = temporalConnectConfig();
  try {
    // Before anything connects: a process without the codec keys must not start at all.
    const dataConverter = loadDataConverter();
    await migrateWithoutStatementLimits(opts.databaseUrl, opts.poolTimeouts);
    const connection = await NativeConnection.connect(options);
    // The workers' own calls (signals to shipments and orders, describes, schedules) ride the workers'
    // connection: the SDK core's client, no second connection in JavaScript (docs/benchmarks.md).
    const client = new Client({ connection, namespace, dataConverter });
    const signalShipment = (workflowId: string, message: CarrierEventMessage) =>
      client.workflow.getHandle(workflowId).signal(carrierEventSignal, message);
    const reportToOrder = reportToOrderVia(client);
    const names = brokerNames(opts.taskQueuePrefix);
    const { publisher, paymentProvider, carrier } = providerClients(opts, config, services, names);
    let events: EventProcessors | undefined;
    let metrics: Listening | undefined;
    let catalog: CatalogCache | undefined;
    let sandboxCarrier: SandboxCarrierRuns | undefined;
    try {
      if (services.includes('orders'))
        catalog = await createCatalogCache({
          pool,
          redis: config.REDIS_URL ? connectRedis(config.REDIS_URL) : undefined,
          ttlMs: catalogTtlMs(config),
        });
      if (metricsPort) metrics = await startMetricsServer(metricsPort, config.METRICS_HOST);
      events = await startEventProcessors({
        pool,
        amqpUrl: opts.amqpUrl,
        names,
        parts: opts.eventParts ?? [],
        relayPollMs: opts.relayPollMs ?? 200,
        mail: mailSettings(config, opts.smtpUrl),
        carrier: {
          recordCarrierEvent: carrierEventRecorder(pool, reportToOrder),
          signalShipment,
        },
        webhook: opts.webhook,
      });
      const deps: WorkerDeps = {
        connection,
        namespace,
        pool,
        dataConverter,
        taskQueuePrefix: opts.taskQueuePrefix,
        workflowBundle: opts.workflowBundlePath ? { codePath: opts.workflowBundlePath } : undefined,
        signalShipment,
        reportToOrder,
        publishCarrierEvent: publisher?.publish,
        waitlists: waitlistsVia(client, opts.taskQueuePrefix),
        paymentProvider,
        carrier,
        catalog,
        describeWorkflow: describeWorkflowWith(client),
        listWorkflows: listWorkflowsWith(client),
        tracing: tracing?.tracingWorkerOptions,
      };
      sandboxCarrier = startSandboxCarrierFor(deps, services);
      const workers = await createWorkers({ ...deps, sandboxCarrierRuns: sandboxCarrier }, services);
      logger.info(
        { address, namespace, services, events: opts.eventParts ?? [], prefix: opts.taskQueuePrefix ?? '' },
        'workers polling',
      );
      opts.onRunning?.(client, events);
      await (workers.length ? Promise.all(workers.map((w) => w.run())) : shutdownSignal());
    } finally {
      await sandboxCarrier?.stop();
      await catalog?.close();
      await metrics?.stop();
      await events?.stop();
      await publisher?.close();
      await connection.close();
    }
  } finally {
    await tracing?.stopTracing();
    await pool.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      service: { type: 'string', multiple: true },
      events: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      [
        `Usage: worker [--service ${SERVICES.join('|')}]... [--events ${EVENT_PARTS.join('|')}]...`,
        'Without --service: every service, unless --events is given (then only those event parts).',
        'Needs DATABASE_URL; Temporal from TEMPORAL_ADDRESS (default localhost:7233); the relay and',
        'the notifications consumer need AMQP_URL; with SMTP_URL notifications are also mailed.',
      ].join('\n'),
    );
    return;
  }
  const eventParts = values.events ?? [];
  const unknownParts = eventParts.filter((p) => !(EVENT_PARTS as readonly string[]).includes(p));
  if (unknownParts.length) {
    console.error(`--events: unknown part ${unknownParts.join(', ')}; expected one of ${EVENT_PARTS.join(', ')}`);
    process.exit(2);
  }
  const requested = values.service ?? (eventParts.length ? [] : [...SERVICES]);
  const unknown = requested.filter((s) => !isService(s));
  if (unknown.length) {
    console.error(`--service: unknown service ${unknown.join(', ')}; expected one of ${SERVICES.join(', ')}`);
    process.exit(2);
  }
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    console.error('DATABASE_URL is not set: the worker needs PostgreSQL (npm start provides an embedded one).');
    process.exit(2);
  }
  const needBroker = eventParts.filter((p) => p === 'relay' || p === 'notifications');
  if (needBroker.length && !config.AMQP_URL) {
    console.error(`--events ${needBroker.join(', ')}: AMQP_URL is not set (these parts need the broker)`);
    process.exit(2);
  }
  await runWorkers({
    databaseUrl: config.DATABASE_URL,
    services: requested as Service[],
    taskQueuePrefix: config.TASK_QUEUE_PREFIX,
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
    poolTimeouts: poolTimeouts(config),
    amqpUrl: config.AMQP_URL,
    eventParts: eventParts as EventPart[],
    relayPollMs: config.RELAY_POLL_MS,
    smtpUrl: config.SMTP_URL,
    sandboxCarrierVia: config.SANDBOX_CARRIER_VIA,
    webhook: eventParts.includes('carrier-events')
      ? { port: config.CARRIER_WEBHOOK_PORT, host: config.CARRIER_WEBHOOK_HOST, secret: carrierWebhookSecret(config) }
      : undefined,
  });
}

if (require.main === module) {
  main().catch((err) => {
    logger.error({ err }, 'worker failed');
    process.exit(1);
  });
}
